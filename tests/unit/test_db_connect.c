/* SPDX-License-Identifier: GPL-2.0-or-later */
/* db_connect() with several hosts: the login's time is shared among them, so
 * that a host that takes the connection and never answers (a listening
 * socket nobody accepts on) leaves the next host its part. No server is
 * needed: every case ends in an error that says which hosts were tried. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "db.h"

/* A TCP port on 127.0.0.1 that takes connections (the kernel's backlog)
 * and never answers: a hung server. Returns the listening socket. */
static int hung_server(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

struct fixture {
	int hung_fd[2], hung_port[2];
	char no_server[64];	/* a directory with no socket in it */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->hung_fd[0] = hung_server(&f->hung_port[0]);
	f->hung_fd[1] = hung_server(&f->hung_port[1]);
	snprintf(f->no_server, sizeof(f->no_server), "/tmp/carbon-db-connect.XXXXXX");
	assert_non_null(mkdtemp(f->no_server));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->hung_fd[0]);
	close(f->hung_fd[1]);
	rmdir(f->no_server);
	free(f);
	return 0;
}

/* Connect with conninfo and timeout_s: the connection must fail, with err
 * holding every string of want. */
static void expect_failure(const char *conninfo, int timeout_s, const char *const *want)
{
	char err[1024];
	PGconn *conn = db_connect(conninfo, timeout_s, "test_db_connect", err, sizeof(err));

	if (conn) {
		PQfinish(conn);
		fail_msg("connected with %s", conninfo);
	}
	for (; *want; want++)
		if (!strstr(err, *want))
			fail_msg("%s: the error does not say \"%s\": %s", conninfo, *want, err);
}

static void test_hung_first_host_leaves_time_for_the_next(void **state)
{
	struct fixture *f = *state;
	char conninfo[256], hung[96], second[128];
	const char *want[] = { hung, second, NULL };

	snprintf(conninfo, sizeof(conninfo), "host=127.0.0.1,%s port=%d,5432 dbname=carbon",
		 f->no_server, f->hung_port[0]);
	snprintf(hung, sizeof(hung), "no answer from the server (host 127.0.0.1, port %d) within",
		 f->hung_port[0]);
	/* libpq's own words for the second host: it was tried. */
	snprintf(second, sizeof(second), "%s/.s.PGSQL.5432", f->no_server);
	expect_failure(conninfo, 2, want);
}

static void test_every_hung_host_is_named(void **state)
{
	struct fixture *f = *state;
	char conninfo[256], first[96], last[96];
	const char *want[] = { first, last, NULL };

	snprintf(conninfo, sizeof(conninfo),
		 "host=127.0.0.1,127.0.0.1 port=%d,%d dbname=carbon target_session_attrs=read-write",
		 f->hung_port[0], f->hung_port[1]);
	snprintf(first, sizeof(first), "no answer from the server (host 127.0.0.1, port %d) within",
		 f->hung_port[0]);
	snprintf(last, sizeof(last), "; no answer from the server (host 127.0.0.1, port %d) within",
		 f->hung_port[1]);
	expect_failure(conninfo, 2, want);
}

static void test_failed_first_host_passes_its_time_on(void **state)
{
	struct fixture *f = *state;
	char conninfo[256], last[96];
	const char *want[] = { last, NULL };

	/* The first fails at once (no socket), and the second, hung, has
	 * the time left. */
	snprintf(conninfo, sizeof(conninfo), "host=%s,127.0.0.1 port=5432,%d dbname=carbon",
		 f->no_server, f->hung_port[0]);
	snprintf(last, sizeof(last), "; no answer from the server (host 127.0.0.1, port %d) within",
		 f->hung_port[0]);
	expect_failure(conninfo, 1, want);
}

static void test_ports_from_pgport(void **state)
{
	struct fixture *f = *state;
	char conninfo[256], pgport[32], hung[96], second[128];
	const char *want[] = { hung, second, NULL };

	/* No port in the conninfo: libpq's PGPORT list, one a host. */
	snprintf(conninfo, sizeof(conninfo), "host=127.0.0.1,%s dbname=carbon", f->no_server);
	snprintf(pgport, sizeof(pgport), "%d,5433", f->hung_port[0]);
	setenv("PGPORT", pgport, 1);
	snprintf(hung, sizeof(hung), "no answer from the server (host 127.0.0.1, port %d) within",
		 f->hung_port[0]);
	snprintf(second, sizeof(second), "%s/.s.PGSQL.5433", f->no_server);
	expect_failure(conninfo, 1, want);
	unsetenv("PGPORT");
}

static void test_one_host_as_before(void **state)
{
	struct fixture *f = *state;
	char conninfo[256], last[96];
	const char *want[] = { last, NULL };

	snprintf(conninfo, sizeof(conninfo), "host=127.0.0.1 port=%d dbname=carbon",
		 f->hung_port[0]);
	snprintf(last, sizeof(last), "no answer from the server (host 127.0.0.1, port %d) within 1 s",
		 f->hung_port[0]);
	expect_failure(conninfo, 1, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hung_first_host_leaves_time_for_the_next,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_hung_host_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_first_host_passes_its_time_on,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ports_from_pgport, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_host_as_before, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
