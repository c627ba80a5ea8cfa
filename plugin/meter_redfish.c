/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Redfish through libcurl (see meter_redfish.h). The resources read, as
 * DMTF's schemas define them: ChassisCollection ("Members", each an
 * "@odata.id"), Chassis (links "EnvironmentMetrics" and "Power"),
 * EnvironmentMetrics ("PowerWatts"/"EnergykWh", Sensor excerpts with a
 * "Reading", null when the BMC has none) and Power ("PowerControl", whose
 * first entry's "PowerConsumedWatts" is the chassis' input power). */
#include "config.h"
#include "meter_redfish.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBCURL
#include <curl/curl.h>

#include "json_pointer.h"

#define REDFISH_BODY_MAX (256 * 1024)	/* a Chassis collection of a big
					 * enclosure stays far below */
#define REDFISH_MAX_MEMBERS 16
#define REDFISH_MAX_POWER_W 100000.0	/* above: not a node's reading */
#define REDFISH_PATH_MAX 512

const int redfish_built_in = 1;

struct redfish {
	CURL *curl;
	char base[CONF_STR_MAX];	/* scheme://host[:port], no '/' after */
	char chassis[CONF_STR_MAX];	/* configured: an id or a path */
	char metrics_path[REDFISH_PATH_MAX];	/* "" when not there */
	char power_path[REDFISH_PATH_MAX];
	bool found;			/* the chassis is known */
	char source[64];
	long timeout_ms;
	struct timespec deadline;	/* of the reading under way */
	char *body;
	size_t len;
	bool too_big;
	uint64_t answer_us;		/* when the last answer began to come,
					 * µs since the epoch: the BMC's reading
					 * is of about then */
	char curl_err[CURL_ERROR_SIZE];
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *user)
{
	struct redfish *r = user;
	size_t k = size * nmemb;

	if (k > REDFISH_BODY_MAX - r->len) {
		r->too_big = true;
		return 0;	/* curl stops with CURLE_WRITE_ERROR */
	}
	memcpy(r->body + r->len, data, k);
	r->len += k;
	return k;
}

/* The first line of a root-owned file that no one else may read. */
static int read_password(const char *path, char *buf, size_t n, char *err, size_t errlen)
{
	struct stat st;
	ssize_t len;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "[node] redfish_password_file %s: cannot open it: %s",
			 path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IRWXG | S_IRWXO))) {
		snprintf(err, errlen,
			 "[node] redfish_password_file %s: refused: it must be a file owned by root and readable by root only (chmod 0600)",
			 path);
		goto out;
	}
	len = read(fd, buf, n - 1);
	if (len < 0) {
		snprintf(err, errlen, "[node] redfish_password_file %s: cannot read it: %s",
			 path, strerror(errno));
		goto out;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	rc = 0;
out:
	close(fd);
	return rc;
}

int redfish_open(struct redfish **out, const struct carbon_conf *c, char *err,
		 size_t errlen)
{
	struct redfish *r = NULL;
	char password[256] = "", userpwd[2 * CONF_STR_MAX + 2];
	size_t k;
	int rc = -1;

	*out = NULL;
	if (c->redfish_url[0] == '\0') {
		snprintf(err, errlen, "[node] meter = redfish needs redfish_url (https://BMC)");
		return -1;
	}
	if (c->redfish_user[0] && strncmp(c->redfish_url, "https://", 8) != 0) {
		snprintf(err, errlen,
			 "[node] redfish_url %s: refused: a password is never sent over plain http (use https://)",
			 c->redfish_url);
		return -1;
	}
	if (c->redfish_password_file[0] &&
	    read_password(c->redfish_password_file, password, sizeof(password), err, errlen) < 0)
		return -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "redfish: libcurl does not start");
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->body = malloc(REDFISH_BODY_MAX)) || !(r->curl = curl_easy_init())) {
		snprintf(err, errlen, "redfish: out of memory");
		goto out;
	}
	conf_copy_str(r->base, sizeof(r->base), c->redfish_url);
	k = strlen(r->base);
	while (k > 0 && r->base[k - 1] == '/')
		r->base[--k] = '\0';
	conf_copy_str(r->chassis, sizeof(r->chassis), c->redfish_chassis);
	r->timeout_ms = c->redfish_timeout_ms;

	curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, r->curl_err);
	curl_easy_setopt(r->curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(r->curl, CURLOPT_USERAGENT, "carbon-nodemeter/" PACKAGE_VERSION);
	if (c->redfish_user[0]) {
		snprintf(userpwd, sizeof(userpwd), "%s:%s", c->redfish_user, password);
		curl_easy_setopt(r->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(r->curl, CURLOPT_USERPWD, userpwd);	/* curl copies */
		memset(userpwd, 0, sizeof(userpwd));
	}
	if (c->redfish_ca_file[0])
		curl_easy_setopt(r->curl, CURLOPT_CAINFO, c->redfish_ca_file);
	if (c->redfish_insecure) {
		curl_easy_setopt(r->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(r->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	*out = r;
	r = NULL;
	rc = 0;
out:
	memset(password, 0, sizeof(password));
	if (r)
		redfish_close(r);
	else if (rc < 0)
		curl_global_cleanup();
	return rc;
}

/* Milliseconds left of the reading's budget (<= 0: none). */
static long ms_left(const struct redfish *r)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(r->deadline.tv_sec - now.tv_sec) * 1000 +
	       (r->deadline.tv_nsec - now.tv_nsec) / 1000000;
}

/* GET path (which starts with '/') into r->body. Returns the HTTP status,
 * or -1 with err set when no answer came. */
static long get(struct redfish *r, const char *path, char *err, size_t errlen)
{
	static const char *const accept[] = { "Accept: application/json", NULL };
	struct curl_slist hdr = { .data = (char *)accept[0], .next = NULL };
	char url[CONF_STR_MAX + REDFISH_PATH_MAX];
	long status = 0, left = ms_left(r);
	curl_off_t first_byte_us = 0;
	CURLcode cc;

	snprintf(url, sizeof(url), "%s%s", r->base, path);
	if (left <= 0) {
		snprintf(err, errlen, "%s: not asked: the reading's %ld ms were used up",
			 url, r->timeout_ms);
		return -1;
	}
	r->len = 0;
	r->too_big = false;
	r->curl_err[0] = '\0';
	curl_easy_setopt(r->curl, CURLOPT_URL, url);
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, &hdr);
	curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, left);
	curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT_MS, left);
	r->answer_us = now_us();
	cc = curl_easy_perform(r->curl);
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, NULL);
	if (curl_easy_getinfo(r->curl, CURLINFO_STARTTRANSFER_TIME_T, &first_byte_us) == CURLE_OK &&
	    first_byte_us > 0)
		r->answer_us += (uint64_t)first_byte_us;
	else
		r->answer_us = now_us();
	if (r->too_big) {
		snprintf(err, errlen, "%s: answer larger than %d KiB", url,
			 REDFISH_BODY_MAX / 1024);
		return -1;
	}
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url,
			 cc == CURLE_OPERATION_TIMEDOUT ? "no answer within the timeout" :
			 r->curl_err[0] ? r->curl_err : curl_easy_strerror(cc));
		return -1;
	}
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 401 || status == 403)
		snprintf(err, errlen, "%s: HTTP %ld: the BMC refused the credentials (redfish_user, redfish_password_file)",
			 url, status);
	else if (status != 200)
		snprintf(err, errlen, "%s: HTTP %ld", url, status);
	return status;
}

/* A path the BMC gave, to be fetched from the same BMC: an absolute path
 * of printable characters, no "//" that would name another host. */
static bool safe_path(const char *p)
{
	const char *c;

	if (p[0] != '/' || p[1] == '/' || strlen(p) >= REDFISH_PATH_MAX - 32)
		return false;
	for (c = p; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f || *c == '?' ||
		    *c == '#')
			return false;
	return !strstr(p, "/../");
}

/* The link named by pointer in r->body into out, or "". */
static void link_at(const struct redfish *r, const char *pointer, char *out, size_t n)
{
	if (json_pointer_string(r->body, r->len, pointer, out, n) != 1 || !safe_path(out))
		out[0] = '\0';
}

/* Whether the chassis at path has EnvironmentMetrics or Power, both taken
 * from its links (or path/EnvironmentMetrics and path/Power when it has
 * none and the site named it). Returns 1, 0 (not this one), -1 (no answer:
 * err set). */
static int try_chassis(struct redfish *r, const char *path, bool named, char *err,
		       size_t errlen)
{
	long status = get(r, path, err, errlen);

	if (status < 0)
		return -1;
	if (status != 200)
		return named ? -1 : 0;
	if (json_pointer_find(r->body, r->len, "", &(struct json_span){ 0 }) < 0) {
		snprintf(err, errlen, "%s%s: the answer is not JSON", r->base, path);
		return named ? -1 : 0;
	}
	link_at(r, "/EnvironmentMetrics/@odata.id", r->metrics_path, sizeof(r->metrics_path));
	link_at(r, "/Power/@odata.id", r->power_path, sizeof(r->power_path));
	if (named && !r->metrics_path[0] && !r->power_path[0]) {
		snprintf(r->metrics_path, sizeof(r->metrics_path), "%s/EnvironmentMetrics", path);
		snprintf(r->power_path, sizeof(r->power_path), "%s/Power", path);
	}
	return r->metrics_path[0] || r->power_path[0];
}

static int find_chassis(struct redfish *r, char *err, size_t errlen)
{
	char path[REDFISH_PATH_MAX], members[REDFISH_MAX_MEMBERS][REDFISH_PATH_MAX];
	char pointer[48];
	int n = 0, i, rc;

	if (r->chassis[0]) {
		if (r->chassis[0] == '/')
			snprintf(path, sizeof(path), "%s", r->chassis);
		else
			snprintf(path, sizeof(path), "/redfish/v1/Chassis/%s", r->chassis);
		if (!safe_path(path)) {
			snprintf(err, errlen, "[node] redfish_chassis '%s': not an id or a path",
				 r->chassis);
			return -1;
		}
		rc = try_chassis(r, path, true, err, errlen);
		r->found = rc == 1;
		return rc == 1 ? 0 : -1;
	}
	rc = (int)get(r, "/redfish/v1/Chassis", err, errlen);
	if (rc != 200)
		return -1;
	for (i = 0; i < REDFISH_MAX_MEMBERS; i++) {
		snprintf(pointer, sizeof(pointer), "/Members/%d/@odata.id", i);
		rc = json_pointer_string(r->body, r->len, pointer, members[n], sizeof(members[n]));
		if (rc < 0) {
			snprintf(err, errlen, "%s/redfish/v1/Chassis: the answer is not JSON", r->base);
			return -1;
		}
		if (rc == 0)
			break;
		if (safe_path(members[n]))
			n++;
	}
	for (i = 0; i < n; i++) {
		rc = try_chassis(r, members[i], false, err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			r->found = true;
			return 0;
		}
	}
	snprintf(err, errlen,
		 "%s/redfish/v1/Chassis: no chassis with EnvironmentMetrics or Power among %d (set [node] redfish_chassis)",
		 r->base, n);
	return -1;
}

/* A power the BMC reported, checked. */
static int plausible(const struct redfish *r, const char *path, double w, char *err,
		     size_t errlen)
{
	if (w >= 0.0 && w <= REDFISH_MAX_POWER_W)
		return 0;
	snprintf(err, errlen, "%s%s: %g W is not a node's power", r->base, path, w);
	return -1;
}

/* EnvironmentMetrics. Returns 1 (read), 0 (none there: r->metrics_path
 * cleared), -1 (err set). */
static int read_metrics(struct redfish *r, struct node_sample *s, char *err, size_t errlen)
{
	double w = -1.0, kwh = -1.0;
	long status = get(r, r->metrics_path, err, errlen);
	int rw, re;

	if (status == 404) {
		r->metrics_path[0] = '\0';
		return 0;
	}
	if (status != 200)
		return -1;
	rw = json_pointer_number(r->body, r->len, "/PowerWatts/Reading", &w);
	re = json_pointer_number(r->body, r->len, "/EnergykWh/Reading", &kwh);
	if (rw < 0 || re < 0) {
		snprintf(err, errlen, "%s%s: the answer is not JSON", r->base, r->metrics_path);
		return -1;
	}
	if (rw == 0 && re == 0) {
		r->metrics_path[0] = '\0';
		return 0;
	}
	if (rw == 1 && plausible(r, r->metrics_path, w, err, errlen) < 0)
		return -1;
	if (re == 1 && !(kwh >= 0.0)) {
		snprintf(err, errlen, "%s%s: EnergykWh %g is not an energy counter", r->base,
			 r->metrics_path, kwh);
		return -1;
	}
	s->power_w = rw == 1 ? w : -1.0;
	s->counter_j = re == 1 ? kwh * 3.6e6 : -1.0;
	snprintf(r->source, sizeof(r->source), "EnvironmentMetrics %s",
		 re == 1 ? "EnergykWh" : "PowerWatts");
	return 1;
}

static int read_power(struct redfish *r, struct node_sample *s, char *err, size_t errlen)
{
	double w;
	long status = get(r, r->power_path, err, errlen);
	int rc;

	if (status != 200)
		return -1;
	rc = json_pointer_number(r->body, r->len, "/PowerControl/0/PowerConsumedWatts", &w);
	if (rc <= 0) {
		snprintf(err, errlen, "%s%s: %s", r->base, r->power_path,
			 rc < 0 ? "the answer is not JSON" : "no PowerControl[0].PowerConsumedWatts");
		return -1;
	}
	if (plausible(r, r->power_path, w, err, errlen) < 0)
		return -1;
	s->power_w = w;
	s->counter_j = -1.0;
	snprintf(r->source, sizeof(r->source), "Power PowerConsumedWatts");
	return 0;
}

int redfish_read(struct redfish *r, struct node_sample *s, char *err, size_t errlen)
{
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &r->deadline);
	r->deadline.tv_sec += r->timeout_ms / 1000;
	r->deadline.tv_nsec += (r->timeout_ms % 1000) * 1000000;
	if (r->deadline.tv_nsec >= 1000000000) {
		r->deadline.tv_sec++;
		r->deadline.tv_nsec -= 1000000000;
	}
	if (!r->found && find_chassis(r, err, errlen) < 0)
		return -1;
	s->window_s = 0.0;
	if (r->metrics_path[0]) {
		rc = read_metrics(r, s, err, errlen);
		if (rc != 0) {
			s->time_us = r->answer_us;
			return rc < 0 ? -1 : 0;
		}
	}
	if (!r->power_path[0]) {
		snprintf(err, errlen, "%s: the chassis has no power reading (neither EnvironmentMetrics nor Power)",
			 r->base);
		r->found = false;	/* look again next time */
		return -1;
	}
	if (read_power(r, s, err, errlen) < 0)
		return -1;
	s->time_us = r->answer_us;
	return 0;
}

const char *redfish_source(const struct redfish *r)
{
	return r->source;
}

void redfish_close(struct redfish *r)
{
	if (!r)
		return;
	if (r->curl)
		curl_easy_cleanup(r->curl);
	free(r->body);
	free(r);
	curl_global_cleanup();
}

#else /* !HAVE_LIBCURL */

const int redfish_built_in = 0;

int redfish_open(struct redfish **out, const struct carbon_conf *c, char *err,
		 size_t errlen)
{
	*out = NULL;
	snprintf(err, errlen,
		 "[node] meter = redfish: Redfish is not built in (configure found no libcurl; install libcurl4-openssl-dev and build again)");
	return -1;
}

int redfish_read(struct redfish *r, struct node_sample *s, char *err, size_t errlen)
{
	snprintf(err, errlen, "Redfish is not built in");
	return -1;
}

const char *redfish_source(const struct redfish *r)
{
	return "";
}

void redfish_close(struct redfish *r)
{
}

#endif
