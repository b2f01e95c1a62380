/* atspace: ISC licence, see README.md. */
/*
 * The transport yardstick: a FastCGI responder built with the same
 * libfcgi as atspace that reads the request and answers a fixed small
 * JSON body. Behind the same nginx, its req/s is what any handler could
 * reach at best. Started by bench/bench.py with spawn-fcgi, one process
 * per core, like atspace's workers.
 */
#include <fcgiapp.h>

int
main(void)
{
	static const char	 reply[] = "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 76\r\n\r\n"
	    "{\"rkey\":\"3lbenchbenchb2\",\"authorDid\":\"did:plc:bench\","
	    "\"createdAt\":1796000000}";
	FCGX_Request		 req;
	char			 buf[8192];

	FCGX_Init();
	FCGX_InitRequest(&req, 0, 0);
	while (FCGX_Accept_r(&req) >= 0) {
		while (FCGX_GetStr(buf, sizeof(buf), req.in) > 0)
			continue;
		FCGX_PutStr(reply, sizeof(reply) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
