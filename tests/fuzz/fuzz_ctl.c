/* Fuzz the control socket's request parser: any bytes as a request line
 * must give a request, a cause or a version mismatch, never a crash or a
 * leak; a parsed request holds NUL-terminated strings within its bounds,
 * and a request rebuilt from it parses back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check r's bounds and its round trip through proto_request. */
static void
check(const struct proto_req *r)
{
	struct proto_req	 back;
	const char		*cause;
	char			*argv[PROTO_MAX_ARGS], *line;
	int			 i;

	if (r->argc < 0 || r->argc > PROTO_MAX_ARGS ||
	    memchr(r->cmd, '\0', sizeof r->cmd) == NULL)
		abort();
	for (i = 0; i < r->argc; i++) {
		if (memchr(r->argv[i], '\0', PROTO_MAX_ARG) == NULL)
			abort();
		argv[i] = (char *)r->argv[i];
	}
	if ((line = proto_request(r->cmd, r->argc, argv)) == NULL)
		return;
	if (strlen(line) - 1 <= PROTO_MAX_LINE && (proto_parse(line,
	    strlen(line) - 1, &back, &cause) != 0 ||
	    strcmp(back.cmd, r->cmd) != 0 || back.argc != r->argc))
		abort();
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_req	 r;
	const char		*cause = NULL;
	char			*reply;

	switch (proto_parse((const char *)data, size, &r, &cause)) {
	case 0:
		check(&r);
		break;
	case -1:
	case -2:
		if (cause == NULL)
			abort();
		reply = proto_reply("error", cause, NULL);
		free(reply);
		break;
	default:
		abort();
	}
	return 0;
}
