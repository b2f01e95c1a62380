/* atspace: ISC licence, see README.md. */
/*
 * atspacectl, the administration tool: what its command files share.
 * It opens the service's own database (same configuration file, same
 * ATSPACE_* overrides, same pragmas) with its own SQLite connection,
 * keeps every transaction short, and takes writes with BEGIN
 * IMMEDIATE, so it is safe to run while the workers serve.
 */
#ifndef CTL_H
#define CTL_H

#include <stdint.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "config.h"

/* Exit statuses, documented in atspacectl(8). */
enum ctl_exit {
	CTL_OK = 0,
	CTL_FAIL = 1,		/* the command failed */
	CTL_USAGE = 2,		/* bad command line or argument syntax */
	CTL_NOTFOUND = 3	/* the space, record, member or DID is absent */
};

/* Options; which a command accepts is in its table entry. */
enum ctl_opt {
	CTL_OPT_JSON = 1 << 0,
	CTL_OPT_FORCE = 1 << 1,
	CTL_OPT_COLLECTION = 1 << 2,
	CTL_OPT_AUTHOR = 1 << 3,
	CTL_OPT_TYPE = 1 << 4,
	CTL_OPT_KEY = 1 << 5,
	CTL_OPT_ALL = 1 << 6
};

struct ctl {
	struct config	 cfg;
	sqlite3		*db;		/* NULL until ctl_open */
	int		 json;		/* --json */
	int		 force;		/* --force */
	int		 all;		/* --all */
	const char	*collection;	/* --collection NSID */
	const char	*author;	/* --author DID */
	const char	*type;		/* --type NSID */
	const char	*key;		/* --key KEY */
};

/* A space as the commands see it. */
struct ctl_space {
	int64_t	 id;
	char	 uri[2048 + 16];
	char	 owner[2049];
	char	 type[318];
	char	 key[513];
	int64_t	 created_at;
};

/* atspacectl.c: the database and helpers. */

/*
 * Opens cfg.db_path for the commands: the file must exist and hold the
 * schema this program knows. Returns CTL_OK, or CTL_FAIL after saying
 * why on stderr.
 */
int	ctl_open(struct ctl *ctl);

/* Says "atspacectl: <message>" on stderr; returns status. */
int	ctl_err(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* ctl_err for a failed SQLite call on ctl->db; returns CTL_FAIL. */
int	ctl_sqlfail(struct ctl *ctl, const char *what);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; the first two return CTL_*. */
int	ctl_begin(struct ctl *ctl);
int	ctl_commit(struct ctl *ctl);
void	ctl_rollback(struct ctl *ctl);

/*
 * Prepares sql on ctl->db into *st. Returns CTL_OK, or CTL_FAIL with
 * the reason said and *st NULL.
 */
int	ctl_prepare(struct ctl *ctl, const char *sql, sqlite3_stmt **st);

/* Column text, "" for NULL; valid until the next step or finalize. */
const char *ctl_text(sqlite3_stmt *st, int col);

/*
 * Parses a space URI (at:// or ats://) and looks the space up. Returns
 * CTL_OK with sp filled, CTL_USAGE when uri is malformed, CTL_NOTFOUND
 * or CTL_FAIL, having said why.
 */
int	ctl_space_find(struct ctl *ctl, const char *uri,
	    struct ctl_space *sp);

/* "2026-12-04T04:30:00.123Z" for ms since the epoch, in buf. */
const char *ctl_time(int64_t ms, char *buf, size_t bufsz);

/*
 * Prints v as one line of JSON on stdout and puts it (v is handed
 * over). Returns CTL_OK, or CTL_FAIL when v is NULL (out of memory).
 */
int	ctl_print_json(json_object *v);

/* spaces.c: spaces, members and records. */
int	spaces_list(struct ctl *, int, char **);
int	spaces_show(struct ctl *, int, char **);
int	spaces_members(struct ctl *, int, char **);
int	spaces_add_member(struct ctl *, int, char **);
int	spaces_remove_member(struct ctl *, int, char **);
int	spaces_create(struct ctl *, int, char **);
int	spaces_delete(struct ctl *, int, char **);
int	spaces_records(struct ctl *, int, char **);
int	spaces_delete_record(struct ctl *, int, char **);

/* transfer.c: export and import. */
int	transfer_export(struct ctl *, int, char **);
int	transfer_import(struct ctl *, int, char **);

/* maint.c: the file as a whole, and the DID document cache. */
int	maint_backup(struct ctl *, int, char **);
int	maint_restore(struct ctl *, int, char **);
int	maint_check(struct ctl *, int, char **);
int	maint_vacuum(struct ctl *, int, char **);
int	maint_checkpoint(struct ctl *, int, char **);
int	maint_did_cache(struct ctl *, int, char **);

#endif
