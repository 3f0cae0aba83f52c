/* pqload.c --- libpq, loaded at the first call that needs it
 *
 * libpq brings some twenty shared libraries (OpenSSL, Kerberos, LDAP,
 * GnuTLS...): loading them is most of an agent run that never talks to
 * PostgreSQL (2.7 ms of 3.5 ms here), and a failover runs the agent on
 * every node for each notification round, most of which need no session.
 * So the agents are not linked to libpq: each function they use is
 * defined here, and resolved from TANDEM_LIBPQ_SONAME on its first call
 * (as lib/log.c loads libqb).  The headers are libpq's own: the types and
 * prototypes are checked against them. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "tandem/log.h"
#include "tandem/ocf.h"

static void *
pq_symbol(const char *name)
{
	static void *handle;
	void *sym;

	/* Lazy binding, as the dynamic loader did when the agents were
	 * linked to libpq: RTLD_NOW resolves every symbol of its twenty
	 * libraries, on every monitor. */
	if (handle == NULL)
		handle = dlopen(TANDEM_LIBPQ_SONAME, RTLD_LAZY | RTLD_LOCAL);
	sym = handle != NULL ? dlsym(handle, name) : NULL;
	if (sym == NULL) {
		/* As the dynamic loader would have refused to start the
		 * agent: PostgreSQL's client library is not installed. */
		tandem_ocf_exit_reason("cannot load %s (%s): %s", TANDEM_LIBPQ_SONAME, name, dlerror());
		exit(TANDEM_OCF_ERR_INSTALLED);
	}
	return sym;
}

/* RET NAME(PARAMS): forwards ARGS to libpq's NAME. */
#define PQ_FORWARD(ret, name, params, args)                                     \
	ret name params                                                         \
	{                                                                       \
		static ret(*fn) params;                                         \
		if (fn == NULL)                                                 \
			*(void **)&fn = pq_symbol(#name);                       \
		return fn args;                                                 \
	}
#define PQ_FORWARD_VOID(name, params, args)                                     \
	void name params                                                        \
	{                                                                       \
		static void(*fn) params;                                        \
		if (fn == NULL)                                                 \
			*(void **)&fn = pq_symbol(#name);                       \
		fn args;                                                        \
	}

PQ_FORWARD(PGconn *, PQconnectStartParams,
	   (const char *const *keywords, const char *const *values, int expand_dbname),
	   (keywords, values, expand_dbname))
PQ_FORWARD(PostgresPollingStatusType, PQconnectPoll, (PGconn *conn), (conn))
PQ_FORWARD(PGPing, PQpingParams, (const char *const *keywords, const char *const *values, int expand_dbname),
	   (keywords, values, expand_dbname))
PQ_FORWARD(PGPing, PQping, (const char *conninfo), (conninfo))
PQ_FORWARD_VOID(PQfinish, (PGconn *conn), (conn))
PQ_FORWARD(ConnStatusType, PQstatus, (const PGconn *conn), (conn))
PQ_FORWARD(char *, PQerrorMessage, (const PGconn *conn), (conn))
PQ_FORWARD(int, PQsocket, (const PGconn *conn), (conn))
PQ_FORWARD(int, PQserverVersion, (const PGconn *conn), (conn))
PQ_FORWARD(int, PQsendQuery, (PGconn *conn, const char *query), (conn, query))
PQ_FORWARD(int, PQsendQueryParams,
	   (PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
	    const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat),
	   (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat))
PQ_FORWARD(int, PQconsumeInput, (PGconn *conn), (conn))
PQ_FORWARD(int, PQisBusy, (PGconn *conn), (conn))
PQ_FORWARD(int, PQflush, (PGconn *conn), (conn))
PQ_FORWARD(PGresult *, PQgetResult, (PGconn *conn), (conn))
PQ_FORWARD(int, PQgetCopyData, (PGconn *conn, char **buffer, int async), (conn, buffer, async))
PQ_FORWARD(ExecStatusType, PQresultStatus, (const PGresult *res), (res))
PQ_FORWARD(char *, PQresultErrorMessage, (const PGresult *res), (res))
PQ_FORWARD(char *, PQresultErrorField, (const PGresult *res, int fieldcode), (res, fieldcode))
PQ_FORWARD(int, PQntuples, (const PGresult *res), (res))
PQ_FORWARD(int, PQnfields, (const PGresult *res), (res))
PQ_FORWARD(int, PQfnumber, (const PGresult *res, const char *field_name), (res, field_name))
PQ_FORWARD(char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num))
PQ_FORWARD_VOID(PQclear, (PGresult *res), (res))
PQ_FORWARD(char *, PQescapeLiteral, (PGconn *conn, const char *str, size_t len), (conn, str, len))
PQ_FORWARD_VOID(PQfreemem, (void *ptr), (ptr))
PQ_FORWARD(PQconninfoOption *, PQconninfoParse, (const char *conninfo, char **errmsg), (conninfo, errmsg))
PQ_FORWARD_VOID(PQconninfoFree, (PQconninfoOption *options), (options))
