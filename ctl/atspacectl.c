/* atspace: ISC licence, see README.md. */
/*
 * atspacectl: the command table, option parsing, and what every
 * command shares: opening the database the way the service does, the
 * transaction helpers, space lookup and output. The commands live in
 * spaces.c, transfer.c and maint.c; atspacectl(8) is their manual.
 *
 * Run as root against a database that another user owns (the service
 * user), the tool first becomes that user, so that the -wal and -shm
 * files SQLite may create, and any backup it writes, belong to the
 * service and not to root, which would lock the service out.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "health.h"
#include "syntax.h"

/* From build/schema_sql.c, in libcore.a. */
extern const int schema_migration_count;

struct ctl_cmd {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
	int		 min, max;	/* operands */
	int		 opts;		/* enum ctl_opt bits accepted */
	int		 db;		/* opens the database first */
	const char	*synopsis;
	const char	*help;
};

#define CTL_J	CTL_OPT_JSON

static const struct ctl_cmd ctl_cmds[] = {
	{ "spaces", spaces_list, 0, 0, CTL_J, 1, "spaces",
	    "list every space with its owner, type, member and record "
	    "counts" },
	{ "space", spaces_show, 1, 1, CTL_J, 1, "space URI",
	    "show one space and its collections" },
	{ "members", spaces_members, 1, 1, CTL_J, 1, "members URI",
	    "list a space's members, oldest first" },
	{ "add-member", spaces_add_member, 2, 2, CTL_J, 1,
	    "add-member URI DID", "add DID to the space (no-op if there)" },
	{ "remove-member", spaces_remove_member, 2, 2, CTL_J, 1,
	    "remove-member URI DID",
	    "remove DID from the space; never the owner" },
	{ "create-space", spaces_create, 1, 1,
	    CTL_J | CTL_OPT_TYPE | CTL_OPT_KEY, 1,
	    "create-space OWNER-DID [--type NSID] [--key KEY]",
	    "create a space owned by OWNER-DID (key: a fresh TID)" },
	{ "delete-space", spaces_delete, 1, 1, CTL_J, 1,
	    "delete-space URI",
	    "delete a space with all its members and records" },
	{ "records", spaces_records, 1, 1,
	    CTL_J | CTL_OPT_COLLECTION | CTL_OPT_AUTHOR, 1,
	    "records URI [--collection NSID] [--author DID]",
	    "list a space's records, newest write first" },
	{ "delete-record", spaces_delete_record, 4, 4, CTL_J, 1,
	    "delete-record URI COLLECTION AUTHOR RKEY",
	    "delete one record (moderation)" },
	{ "export", transfer_export, 1, 1, 0, 1, "export URI",
	    "write the space as JSON lines on standard output" },
	{ "import", transfer_import, 0, 1, CTL_J | CTL_OPT_FORCE, 1,
	    "import [FILE] [--force]",
	    "read an export (FILE or standard input); --force replaces an "
	    "existing space" },
	{ "backup", maint_backup, 1, 1, CTL_J | CTL_OPT_FORCE, 1,
	    "backup FILE [--force]",
	    "copy the database to FILE, consistent while writes go on" },
	{ "restore", maint_restore, 1, 1, CTL_J | CTL_OPT_FORCE, 0,
	    "restore FILE [--force]",
	    "replace the database with the backup FILE; --force when it "
	    "holds spaces" },
	{ "check", maint_check, 0, 0, CTL_J, 1, "check",
	    "integrity check, foreign keys and atspace's invariants" },
	{ "vacuum", maint_vacuum, 0, 0, CTL_J, 1, "vacuum",
	    "rebuild the file, returning free pages" },
	{ "checkpoint", maint_checkpoint, 0, 0, CTL_J, 1, "checkpoint",
	    "copy the write-ahead log into the database and truncate it" },
	{ "did-cache", maint_did_cache, 0, 2, CTL_J | CTL_OPT_ALL, 1,
	    "did-cache [list | purge DID | purge --all]",
	    "list or drop cached DID documents" },
};

#define CTL_NCMDS	(sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static void
ctl_usage(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage: atspacectl [-c file] [--json] command [args]\n"
	    "commands:\n");
	for (i = 0; i < CTL_NCMDS; i++)
		fprintf(f, "  %s\n      %s\n", ctl_cmds[i].synopsis,
		    ctl_cmds[i].help);
	fprintf(f, "Every command takes --help. Settings come from the "
	    "service's configuration\n(-c, default none) and ATSPACE_<KEY> "
	    "variables. Exit status: 0 ok, 1 failure,\n2 usage, 3 not "
	    "found.\n");
}

static void
ctl_cmd_usage(FILE *f, const struct ctl_cmd *c)
{
	fprintf(f, "usage: atspacectl [-c file] %s%s\n  %s\n", c->synopsis,
	    c->opts & CTL_OPT_JSON ? " [--json]" : "", c->help);
}

int
ctl_err(int status, const char *fmt, ...)
{
	va_list	 ap;

	fputs("atspacectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int
ctl_sqlfail(struct ctl *ctl, const char *what)
{
	return ctl_err(CTL_FAIL, "%s: %s", what, sqlite3_errmsg(ctl->db));
}

/*
 * As root, becomes the owner of path (or of its directory when path
 * does not exist) if that is someone else. Returns CTL_OK or CTL_FAIL.
 */
static int
ctl_as_owner(const char *path)
{
	struct stat	 st;
	char		*copy;
	int		 rc;

	if (geteuid() != 0)
		return CTL_OK;
	if ((rc = stat(path, &st)) == -1 && errno == ENOENT) {
		if ((copy = strdup(path)) == NULL)
			return ctl_err(CTL_FAIL, "out of memory");
		rc = stat(dirname(copy), &st);
		free(copy);
	}
	if (rc == -1 || st.st_uid == 0)
		return CTL_OK;
	if (setgroups(0, NULL) == -1 || setgid(st.st_gid) == -1 ||
	    setuid(st.st_uid) == -1)
		return ctl_err(CTL_FAIL, "cannot become uid %ld, the owner of "
		    "%s: %s", (long)st.st_uid, path, strerror(errno));
	return CTL_OK;
}

int
ctl_open(struct ctl *ctl)
{
	sqlite3_stmt	*st = NULL;
	char		 sql[160];
	int		 version = -1, rc;

	if (ctl_as_owner(ctl->cfg.db_path) != CTL_OK)
		return CTL_FAIL;
	rc = sqlite3_open_v2(ctl->cfg.db_path, &ctl->db,
	    SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK)
		return ctl_err(CTL_FAIL, "cannot open %s: %s",
		    ctl->cfg.db_path, ctl->db != NULL ?
		    sqlite3_errmsg(ctl->db) : sqlite3_errstr(rc));
	sqlite3_busy_timeout(ctl->db, ctl->cfg.busy_timeout_ms);
	snprintf(sql, sizeof(sql), "PRAGMA foreign_keys = ON;"
	    " PRAGMA synchronous = %s",
	    ctl->cfg.durability == CONFIG_DURABILITY_FULL ? "FULL" :
	    "NORMAL");
	if (sqlite3_exec(ctl->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return ctl_sqlfail(ctl, ctl->cfg.db_path);
	if (ctl_prepare(ctl, "PRAGMA user_version", &st) != CTL_OK)
		return CTL_FAIL;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version == schema_migration_count)
		return CTL_OK;
	if (version == 0)
		return ctl_err(CTL_FAIL, "%s holds no atspace schema: start "
		    "atspace-fcgi once to create it", ctl->cfg.db_path);
	return ctl_err(CTL_FAIL, "%s has schema version %d, this program "
	    "knows %d: %s", ctl->cfg.db_path, version, schema_migration_count,
	    version < schema_migration_count ? "start atspace-fcgi once to "
	    "migrate it" : "use a newer atspacectl");
}

int
ctl_prepare(struct ctl *ctl, const char *sql, sqlite3_stmt **st)
{
	*st = NULL;
	if (sqlite3_prepare_v2(ctl->db, sql, -1, st, NULL) != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return ctl_sqlfail(ctl, "prepare");
	}
	return CTL_OK;
}

int
ctl_begin(struct ctl *ctl)
{
	if (sqlite3_exec(ctl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return ctl_sqlfail(ctl, "begin");
	return CTL_OK;
}

int
ctl_commit(struct ctl *ctl)
{
	if (sqlite3_exec(ctl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return ctl_sqlfail(ctl, "commit");
	return CTL_OK;
}

void
ctl_rollback(struct ctl *ctl)
{
	if (!sqlite3_get_autocommit(ctl->db))
		sqlite3_exec(ctl->db, "ROLLBACK", NULL, NULL, NULL);
}

const char *
ctl_text(sqlite3_stmt *st, int col)
{
	const unsigned char	*s = sqlite3_column_text(st, col);

	return s == NULL ? "" : (const char *)s;
}

int
ctl_space_find(struct ctl *ctl, const char *uri, struct ctl_space *sp)
{
	struct space_uri	 su;
	sqlite3_stmt		*st = NULL;
	int			 rc;

	memset(sp, 0, sizeof(*sp));
	if (space_uri_parse(uri, &su) == -1)
		return ctl_err(CTL_USAGE, "not a space URI: %s (want "
		    "at://<owner DID>/<type NSID>/<key>)", uri);
	if (ctl_prepare(ctl, "SELECT id, created_at FROM space"
	    " WHERE owner_did = ? AND type = ? AND skey = ?", &st) != CTL_OK)
		return CTL_FAIL;
	sqlite3_bind_text(st, 1, su.owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, su.type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, su.key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sp->id = sqlite3_column_int64(st, 0);
		sp->created_at = sqlite3_column_int64(st, 1);
		snprintf(sp->owner, sizeof(sp->owner), "%s", su.owner);
		snprintf(sp->type, sizeof(sp->type), "%s", su.type);
		snprintf(sp->key, sizeof(sp->key), "%s", su.key);
		snprintf(sp->uri, sizeof(sp->uri), "at://%s/%s/%s", su.owner,
		    su.type, su.key);
		rc = CTL_OK;
	} else if (rc == SQLITE_DONE)
		rc = ctl_err(CTL_NOTFOUND, "no such space: %s", uri);
	else
		rc = ctl_sqlfail(ctl, "space lookup");
	sqlite3_finalize(st);
	return rc;
}

const char *
ctl_time(int64_t ms, char *buf, size_t bufsz)
{
	struct tm	 tm;
	time_t		 t = (time_t)(ms / 1000);

	gmtime_r(&t, &tm);
	snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return buf;
}

int
ctl_print_json(json_object *v)
{
	if (v == NULL)
		return ctl_err(CTL_FAIL, "out of memory");
	puts(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(v);
	return CTL_OK;
}

static const struct ctl_cmd *
ctl_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < CTL_NCMDS; i++)
		if (strcmp(ctl_cmds[i].name, name) == 0)
			return &ctl_cmds[i];
	return NULL;
}

/*
 * Parses the command's options, which may come before, between or
 * after its operands (GNU getopt moves the operands to the end), and
 * collects the operands into ops. argv[0] is the command name. Returns
 * CTL_OK, CTL_USAGE after saying why, or -1 for --help (printed).
 */
static int
ctl_parse(struct ctl *ctl, const struct ctl_cmd *c, int argc, char **argv,
    const char **conf, char **ops, int *nops)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "collection", required_argument, NULL, 'C' },
		{ "author", required_argument, NULL, 'A' },
		{ "type", required_argument, NULL, 'T' },
		{ "key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, want;

	*nops = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		want = ch == 'j' ? CTL_OPT_JSON : ch == 'f' ? CTL_OPT_FORCE :
		    ch == 'a' ? CTL_OPT_ALL : ch == 'C' ? CTL_OPT_COLLECTION :
		    ch == 'A' ? CTL_OPT_AUTHOR : ch == 'T' ? CTL_OPT_TYPE :
		    ch == 'K' ? CTL_OPT_KEY : 0;
		if (ch == 'h') {
			ctl_cmd_usage(stdout, c);
			return -1;
		}
		if (ch == 'c') {
			*conf = optarg;
			continue;
		}
		if (ch == 'j' && (c->opts & want) == 0)
			continue;	/* export: JSON lines anyway */
		if (want == 0 || (c->opts & want) == 0) {
			ctl_err(0, "%s: unknown or misplaced option %s",
			    c->name, argv[optind - 1]);
			ctl_cmd_usage(stderr, c);
			return CTL_USAGE;
		}
		ctl->json |= ch == 'j';
		ctl->force |= ch == 'f';
		ctl->all |= ch == 'a';
		if (ch == 'C')
			ctl->collection = optarg;
		else if (ch == 'A')
			ctl->author = optarg;
		else if (ch == 'T')
			ctl->type = optarg;
		else if (ch == 'K')
			ctl->key = optarg;
	}
	if (argc - optind < c->min || argc - optind > c->max) {
		ctl_err(0, "%s: wrong number of arguments", c->name);
		ctl_cmd_usage(stderr, c);
		return CTL_USAGE;
	}
	for (; optind < argc; optind++)
		ops[(*nops)++] = argv[optind];
	return CTL_OK;
}

int
main(int argc, char *argv[])
{
	const struct ctl_cmd	*c;
	struct ctl		 ctl;
	const char		*conf = NULL;
	char			*ops[4], err[512];
	int			 i, rc, nops;

	memset(&ctl, 0, sizeof(ctl));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conf = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			ctl.json = 1;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			ctl_usage(stdout);
			return CTL_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("atspacectl %s\n", ATSPACE_VERSION);
			return CTL_OK;
		} else {
			ctl_usage(stderr);
			return CTL_USAGE;
		}
	}
	if (i == argc) {
		ctl_usage(stderr);
		return CTL_USAGE;
	}
	if ((c = ctl_find(argv[i])) == NULL) {
		ctl_err(0, "unknown command %s", argv[i]);
		ctl_usage(stderr);
		return CTL_USAGE;
	}
	if ((c->opts & CTL_OPT_JSON) == 0)
		ctl.json = 0;
	if ((rc = ctl_parse(&ctl, c, argc - i, argv + i, &conf, ops,
	    &nops)) != CTL_OK)
		return rc == -1 ? CTL_OK : rc;

	config_init(&ctl.cfg);
	/* The tool needs no service DID, but config_load insists. */
	if (getenv("ATSPACE_SERVICE_DID") == NULL)
		setenv("ATSPACE_SERVICE_DID", "did:web:atspacectl.invalid", 0);
	if (config_load(&ctl.cfg, conf, err, sizeof(err)) == -1) {
		config_release(&ctl.cfg);
		return ctl_err(CTL_FAIL, "%s", err);
	}
	rc = CTL_OK;
	if (c->db)
		rc = ctl_open(&ctl);
	if (rc == CTL_OK)
		rc = c->fn(&ctl, nops, ops);
	if (ctl.db != NULL && sqlite3_close(ctl.db) != SQLITE_OK)
		rc = ctl_err(CTL_FAIL, "close: %s", sqlite3_errmsg(ctl.db));
	config_release(&ctl.cfg);
	if (fflush(stdout) == EOF || ferror(stdout))
		rc = ctl_err(CTL_FAIL, "writing the output failed");
	return rc;
}
