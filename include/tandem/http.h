/* http.h --- HTTP GET health checks through libcurl, within a deadline */
#ifndef TANDEM_HTTP_H
#define TANDEM_HTTP_H

#include <stddef.h>

#include "tandem/deadline.h"

enum tandem_http_outcome {
	TANDEM_HTTP_OK,         //!< a response arrived (any status code)
	TANDEM_HTTP_REFUSED,    //!< nothing listens there
	TANDEM_HTTP_TIMEOUT,    //!< no (complete) answer before the deadline
	TANDEM_HTTP_ERROR,      //!< anything else: DNS, TLS, protocol
};

struct tandem_http_result {
	enum tandem_http_outcome outcome;
	long status;            //!< HTTP status code when outcome is OK
	char *body;             //!< NUL-terminated, at most max_body bytes
	size_t body_len;
	char *location;         //!< a redirect's Location header, or NULL
	char error[256];        //!< why, when outcome is not OK
};

/* GET url, following no redirect (a redirect is reported, not trusted).
 * connect_ms caps the connection phase; the whole call ends by deadline.
 * Only http and https are allowed. */
void tandem_http_get(const char *url, int64_t connect_ms, size_t max_body,
		     tandem_deadline deadline, struct tandem_http_result *res);
void tandem_http_result_free(struct tandem_http_result *res);

#endif
