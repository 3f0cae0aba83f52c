/* http.c --- HTTP GET health checks through libcurl, within a deadline */
#include "config.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/http.h"
#include "tandem/log.h"

struct body {
	char *buf;
	size_t len, max;
};

static size_t
on_data(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb, take = n;

	if (b->len + take > b->max)
		take = b->max - b->len;
	memcpy(b->buf + b->len, data, take);
	b->len += take;
	b->buf[b->len] = '\0';
	/* Past max, stop reading: a health check needs no more. */
	return take == n ? n : 0;
}

void
tandem_http_get(const char *url, int64_t connect_ms, size_t max_body,
		tandem_deadline deadline, struct tandem_http_result *res)
{
	struct body b = { .max = max_body ? max_body : 65536 };
	int64_t left = tandem_deadline_left(deadline);
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	CURL *c;

	memset(res, 0, sizeof(*res));
	res->outcome = TANDEM_HTTP_ERROR;
	if (left == 0) {
		res->outcome = TANDEM_HTTP_TIMEOUT;
		snprintf(res->error, sizeof(res->error), "no time left before the deadline");
		return;
	}
	b.buf = calloc(1, b.max + 1);
	c = curl_easy_init();
	if (b.buf == NULL || c == NULL) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		free(b.buf);
		if (c != NULL)
			curl_easy_cleanup(c);
		return;
	}
	if (connect_ms <= 0 || connect_ms > left)
		connect_ms = left;
	curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else   /* before curl 7.85 (Debian 11's 7.74), which deprecates this one */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)left);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tandem/" PACKAGE_VERSION);

	cc = curl_easy_perform(c);
	if (cc == CURLE_OK || cc == CURLE_WRITE_ERROR) {
		char *loc = NULL;

		res->outcome = TANDEM_HTTP_OK;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
		if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc != NULL)
			res->location = strdup(loc);
	} else {
		if (cc == CURLE_COULDNT_CONNECT)
			res->outcome = TANDEM_HTTP_REFUSED;
		else if (cc == CURLE_OPERATION_TIMEDOUT)
			res->outcome = TANDEM_HTTP_TIMEOUT;
		snprintf(res->error, sizeof(res->error), "%s",
			 errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
	}
	res->body = b.buf;
	res->body_len = b.len;
	tandem_log(LOG_DEBUG, "GET %s " TANDEM_XS " curl=%d status=%ld bytes=%zu", url, cc, res->status, b.len);
	curl_easy_cleanup(c);
}

void
tandem_http_result_free(struct tandem_http_result *res)
{
	free(res->body);
	free(res->location);
	res->body = res->location = NULL;
}
