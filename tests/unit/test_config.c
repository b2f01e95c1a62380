/* atspace: ISC licence, see README.md. */
/*
 * Unit tests for core/config.c.
 *
 *   config-1.*  defaults from config_init()
 *   config-2.*  the file format: keys, comments, blanks, white space
 *   config-3.*  environment overrides win over the file
 *   config-4.*  file errors name file:line
 *   config-5.*  bad values: numbers, enums, booleans, ranges
 *   config-6.*  whole-config checks: service_did, space_type, plc_url,
 *               uri_scheme
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "unit.h"

static const char *const test_env[] = {
	"ATSPACE_SERVICE_DID", "ATSPACE_DB_PATH", "ATSPACE_SOCKET",
	"ATSPACE_WORKERS", "ATSPACE_PLC_URL", "ATSPACE_BODY_LIMIT",
	"ATSPACE_LOG_LEVEL", "ATSPACE_CLOCK_SKEW", "ATSPACE_DID_CACHE_TTL",
	"ATSPACE_HTTP_TIMEOUT_MS", "ATSPACE_BUSY_TIMEOUT_MS",
	"ATSPACE_DURABILITY", "ATSPACE_SPACE_TYPE", "ATSPACE_ALLOW_ROOT",
	"ATSPACE_BLOB_LIMIT", "ATSPACE_URI_SCHEME",
};

static char	 test_path[64];

/* The runner's own ATSPACE_* settings must not leak into the cases. */
static void
test_clear_env(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(test_env) / sizeof(test_env[0]); i++)
		unsetenv(test_env[i]);
}

/* Writes text to a fresh temporary file and returns its path. */
static const char *
test_file(const char *text)
{
	FILE	*f;
	int	 fd;

	if (test_path[0] != '\0')
		unlink(test_path);
	strcpy(test_path, "/tmp/atspace-test-config.XXXXXX");
	if ((fd = mkstemp(test_path)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		perror("test_file");
		exit(2);
	}
	fputs(text, f);
	fclose(f);
	return test_path;
}

/*
 * Loads text (NULL: no file) into a fresh config. Returns what
 * config_load() returned; err holds its message.
 */
static int
test_load(struct config *cfg, const char *text, char *err, size_t errsz)
{
	config_init(cfg);
	err[0] = '\0';
	return config_load(cfg, text == NULL ? NULL : test_file(text), err,
	    errsz);
}

static int
test_has(const char *err, const char *part)
{
	return strstr(err, part) != NULL;
}

static void
test_defaults(void)
{
	struct config	 cfg;
	char		 err[512];
	int		 rc;

	config_init(&cfg);
	CHECK("config-1.1", cfg.service_did == NULL);
	CHECK("config-1.2", strcmp(cfg.db_path, "./atspace.sqlite") == 0);
	CHECK("config-1.3", cfg.socket == NULL);
	CHECK("config-1.4", cfg.workers >= 1 && cfg.workers <= 256);
	CHECK("config-1.5", strcmp(cfg.plc_url, "https://plc.directory") == 0);
	CHECK("config-1.6", cfg.body_limit == 1048576);
	CHECK("config-1.7", cfg.log_level == LOG_LEVEL_INFO);
	CHECK("config-1.8", cfg.clock_skew == 30);
	CHECK("config-1.9", cfg.did_cache_ttl == 3600);
	CHECK("config-1.10", cfg.http_timeout_ms == 5000);
	CHECK("config-1.11", cfg.busy_timeout_ms == 5000);
	CHECK("config-1.12", cfg.durability == CONFIG_DURABILITY_FULL);
	CHECK("config-1.13",
	    strcmp(cfg.space_type, "rsvp.atmo.event.space") == 0);
	CHECK("config-1.14", cfg.allow_root == 0);
	CHECK("config-1.16", cfg.blob_limit == 2097152);
	CHECK("config-1.17", strcmp(cfg.uri_scheme, "at") == 0);
	config_release(&cfg);

	/* No file and only the required key: the defaults pass the check. */
	setenv("ATSPACE_SERVICE_DID", "did:web:example.com", 1);
	rc = test_load(&cfg, NULL, err, sizeof(err));
	CHECK("config-1.15", rc == 0);
	config_release(&cfg);
	test_clear_env();
}

static void
test_file_format(void)
{
	struct config	 cfg;
	char		 err[512];
	int		 rc;

	rc = test_load(&cfg,
	    "# a comment\n"
	    "\n"
	    "   \t\n"
	    "  # indented comment\n"
	    "service_did = did:web:spaces.example.com\n"
	    "db_path=/var/lib/atspace/db.sqlite\n"
	    "\tsocket   =   /run/atspace/atspace.sock  \n"
	    "workers = 4\n"
	    "plc_url = http://127.0.0.1:2582\n"
	    "body_limit = 65536\n"
	    "log_level = debug\n"
	    "clock_skew = 0\n"
	    "did_cache_ttl = 60\n"
	    "http_timeout_ms = 250\n"
	    "busy_timeout_ms = 0\n"
	    "durability = normal\n"
	    "space_type = com.example.space\n"
	    "blob_limit = 4096\n"
	    "uri_scheme = ats\n"
	    "allow_root = yes", err, sizeof(err));
	CHECK("config-2.1", rc == 0);
	CHECK("config-2.2",
	    strcmp(cfg.service_did, "did:web:spaces.example.com") == 0);
	CHECK("config-2.3",
	    strcmp(cfg.db_path, "/var/lib/atspace/db.sqlite") == 0);
	CHECK("config-2.4",
	    strcmp(cfg.socket, "/run/atspace/atspace.sock") == 0);
	CHECK("config-2.5", cfg.workers == 4);
	CHECK("config-2.6", strcmp(cfg.plc_url, "http://127.0.0.1:2582") == 0);
	CHECK("config-2.7", cfg.body_limit == 65536);
	CHECK("config-2.8", cfg.log_level == LOG_LEVEL_DEBUG);
	CHECK("config-2.9", cfg.clock_skew == 0);
	CHECK("config-2.10", cfg.did_cache_ttl == 60);
	CHECK("config-2.11", cfg.http_timeout_ms == 250);
	CHECK("config-2.12", cfg.busy_timeout_ms == 0);
	CHECK("config-2.13", cfg.durability == CONFIG_DURABILITY_NORMAL);
	CHECK("config-2.14", strcmp(cfg.space_type, "com.example.space") == 0);
	CHECK("config-2.15", cfg.allow_root == 1);
	CHECK("config-2.21", cfg.blob_limit == 4096);
	CHECK("config-2.22", strcmp(cfg.uri_scheme, "ats") == 0);
	config_release(&cfg);

	/* A later line wins; an empty socket means the inherited fd. */
	rc = test_load(&cfg,
	    "service_did = did:plc:aaaaaaaaaaaaaaaaaaaaaaaa\n"
	    "socket = 127.0.0.1:9000\n"
	    "socket =\n"
	    "workers = 2\n"
	    "workers = 3\n", err, sizeof(err));
	CHECK("config-2.16", rc == 0);
	CHECK("config-2.17", cfg.socket == NULL);
	CHECK("config-2.18", cfg.workers == 3);
	config_release(&cfg);

	/* '#' after a blank starts a comment; inside a word it stays. */
	rc = test_load(&cfg,
	    "service_did = did:web:example.com # the aud\n"
	    "workers = 5\t# five\n"
	    "db_path = /tmp/a#b\n", err, sizeof(err));
	CHECK("config-2.19", rc == 0 && strcmp(cfg.db_path, "/tmp/a#b") == 0);
	CHECK("config-2.20", rc == 0 && cfg.workers == 5 &&
	    strcmp(cfg.service_did, "did:web:example.com") == 0);
	config_release(&cfg);
}

static void
test_env_overrides(void)
{
	struct config	 cfg;
	char		 err[512];
	int		 rc;

	setenv("ATSPACE_WORKERS", "7", 1);
	setenv("ATSPACE_SERVICE_DID", "did:web:env.example.com", 1);
	setenv("ATSPACE_ALLOW_ROOT", "yes", 1);
	setenv("ATSPACE_DURABILITY", "normal", 1);
	setenv("ATSPACE_HTTP_TIMEOUT_MS", "1234", 1);
	rc = test_load(&cfg,
	    "service_did = did:web:file.example.com\n"
	    "workers = 2\n"
	    "db_path = /tmp/file.sqlite\n", err, sizeof(err));
	CHECK("config-3.1", rc == 0);
	CHECK("config-3.2", cfg.workers == 7);
	CHECK("config-3.3",
	    strcmp(cfg.service_did, "did:web:env.example.com") == 0);
	CHECK("config-3.4", cfg.allow_root == 1);
	CHECK("config-3.5", cfg.durability == CONFIG_DURABILITY_NORMAL);
	CHECK("config-3.6", cfg.http_timeout_ms == 1234);
	/* Keys absent from the environment keep the file's value. */
	CHECK("config-3.7", strcmp(cfg.db_path, "/tmp/file.sqlite") == 0);
	config_release(&cfg);

	/* An empty ATSPACE_SOCKET overrides a socket from the file. */
	setenv("ATSPACE_SOCKET", "", 1);
	rc = test_load(&cfg, "socket = /tmp/x.sock\n", err, sizeof(err));
	CHECK("config-3.8", rc == 0 && cfg.socket == NULL);
	config_release(&cfg);

	/* A bad environment value names the variable. */
	setenv("ATSPACE_WORKERS", "many", 1);
	rc = test_load(&cfg, NULL, err, sizeof(err));
	CHECK("config-3.9", rc == -1 && test_has(err, "ATSPACE_WORKERS"));
	config_release(&cfg);

	/* Other ATSPACE_ variables (the test runner's) are not keys. */
	test_clear_env();
	setenv("ATSPACE_SERVICE_DID", "did:web:example.com", 1);
	setenv("ATSPACE_NOT_A_KEY", "1", 1);
	rc = test_load(&cfg, NULL, err, sizeof(err));
	CHECK("config-3.10", rc == 0);
	config_release(&cfg);
	unsetenv("ATSPACE_NOT_A_KEY");
	test_clear_env();
}

static void
test_file_errors(void)
{
	struct config	 cfg;
	char		 err[512], want[128];
	int		 rc;

	rc = test_load(&cfg,
	    "service_did = did:web:example.com\n"
	    "# fine\n"
	    "colour = blue\n", err, sizeof(err));
	snprintf(want, sizeof(want), "%s:3: unknown key \"colour\"",
	    test_path);
	CHECK("config-4.1", rc == -1 && test_has(err, want));
	config_release(&cfg);

	rc = test_load(&cfg, "\n\njust words\n", err, sizeof(err));
	snprintf(want, sizeof(want), "%s:3:", test_path);
	CHECK("config-4.2", rc == -1 && test_has(err, want));
	config_release(&cfg);

	config_init(&cfg);
	rc = config_load(&cfg, "/nonexistent/atspace.conf", err,
	    sizeof(err));
	CHECK("config-4.3", rc == -1 &&
	    test_has(err, "/nonexistent/atspace.conf"));
	config_release(&cfg);

	rc = test_load(&cfg, "service_did =\n", err, sizeof(err));
	CHECK("config-4.4", rc == -1 && test_has(err, ":1: service_did"));
	config_release(&cfg);

	/* Keys are case-sensitive, as the table spells them. */
	rc = test_load(&cfg, "Workers = 2\n", err, sizeof(err));
	CHECK("config-4.5", rc == -1 && test_has(err, "unknown key"));
	config_release(&cfg);
}

/* Loads one "key = value" line after a valid service_did. */
static int
test_value(const char *line, char *err, size_t errsz)
{
	struct config	 cfg;
	char		 text[256];
	int		 rc;

	snprintf(text, sizeof(text),
	    "service_did = did:web:example.com\n%s\n", line);
	rc = test_load(&cfg, text, err, errsz);
	config_release(&cfg);
	return rc;
}

static void
test_bad_values(void)
{
	char	 err[512];

	CHECK("config-5.1", test_value("workers = 0", err, sizeof(err)) ==
	    -1 && test_has(err, ":2: workers"));
	CHECK("config-5.2", test_value("workers = 257", err, sizeof(err)) ==
	    -1);
	CHECK("config-5.3", test_value("workers = 256", err, sizeof(err)) ==
	    0);
	CHECK("config-5.4", test_value("workers = 4x", err, sizeof(err)) ==
	    -1);
	CHECK("config-5.5", test_value("workers = +4", err, sizeof(err)) ==
	    -1);
	CHECK("config-5.6", test_value("workers = 0x10", err,
	    sizeof(err)) == -1);
	CHECK("config-5.7", test_value("body_limit = 99999999999999999999",
	    err, sizeof(err)) == -1);
	CHECK("config-5.8", test_value("body_limit = 0", err, sizeof(err)) ==
	    -1);
	CHECK("config-5.9", test_value("clock_skew = -1", err,
	    sizeof(err)) == -1);
	CHECK("config-5.10", test_value("log_level = loud", err,
	    sizeof(err)) == -1 && test_has(err, "log_level"));
	CHECK("config-5.11", test_value("log_level = error", err,
	    sizeof(err)) == 0);
	CHECK("config-5.12", test_value("durability = off", err,
	    sizeof(err)) == -1 && test_has(err, "durability"));
	CHECK("config-5.13", test_value("allow_root = true", err,
	    sizeof(err)) == -1 && test_has(err, "allow_root"));
	CHECK("config-5.14", test_value("http_timeout_ms = 0", err,
	    sizeof(err)) == -1);
	CHECK("config-5.15", test_value("did_cache_ttl = ", err,
	    sizeof(err)) == -1);
	CHECK("config-5.16", test_value("blob_limit = 0", err,
	    sizeof(err)) == -1 && test_has(err, "blob_limit"));
}

static void
test_checks(void)
{
	struct config	 cfg;
	char		 err[512];
	int		 rc;

	rc = test_load(&cfg, "workers = 1\n", err, sizeof(err));
	CHECK("config-6.1", rc == -1 && test_has(err, "service_did"));
	config_release(&cfg);

	rc = test_load(&cfg, "service_did = example.com\n", err, sizeof(err));
	CHECK("config-6.2", rc == -1 && test_has(err, "not a DID"));
	config_release(&cfg);

	rc = test_load(&cfg, "service_did = did:web:example.com\n"
	    "space_type = notansid\n", err, sizeof(err));
	CHECK("config-6.3", rc == -1 && test_has(err, "not an NSID"));
	config_release(&cfg);

	rc = test_load(&cfg, "service_did = did:web:example.com\n"
	    "plc_url = ftp://plc.example.com\n", err, sizeof(err));
	CHECK("config-6.4", rc == -1 && test_has(err, "plc_url"));
	config_release(&cfg);

	rc = test_load(&cfg, "service_did = did:web:example.com\n"
	    "plc_url = https://plc.example.com\n", err, sizeof(err));
	CHECK("config-6.5", rc == 0);
	config_release(&cfg);

	rc = test_load(&cfg, "service_did = did:web:example.com\n"
	    "uri_scheme = https\n", err, sizeof(err));
	CHECK("config-6.6", rc == -1 && test_has(err, "uri_scheme"));
	config_release(&cfg);
}

int
main(void)
{
	test_clear_env();
	test_defaults();
	test_file_format();
	test_env_overrides();
	test_file_errors();
	test_bad_values();
	test_checks();
	if (test_path[0] != '\0')
		unlink(test_path);
	return unit_done("test_config");
}
