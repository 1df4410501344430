/* A well-behaved readycheck plugin written in C: proves the header is the whole contract.
 * Build: cc -shared -fPIC -I plugins/sdk/include -DPLUGIN_NAME='"cgood"' -o libreadycheck_cgood.so good.c */
#include <stdio.h>
#include <string.h>
#include "readycheck_plugin.h"

#ifndef PLUGIN_NAME
#define PLUGIN_NAME "cgood"
#endif

static int32_t describe(void *ctx, readycheck_sink sink) {
    static const char manifest[] =
        "{\"name\":\"" PLUGIN_NAME "\",\"version\":\"1.0.0\",\"os\":[],"
        "\"kinds\":[{\"name\":\"hello\",\"title\":\"Say hello from C\","
        "\"params\":{\"type\":\"object\",\"additionalProperties\":false,"
        "\"properties\":{\"greeting\":{\"type\":\"string\",\"description\":\"What to say\"}}},"
        "\"example\":\"[[check]]\\nid = \\\"hello\\\"\\nplugin = \\\"" PLUGIN_NAME "\\\"\\nkind = \\\"hello\\\"\\n\"}]}";
    sink(ctx, (const uint8_t *)manifest, strlen(manifest));
    return READYCHECK_OK;
}

static int32_t run(const uint8_t *request, size_t request_len, void *ctx, readycheck_sink sink) {
    char out[512];
    /* Prints to stdout must not corrupt the result: the host points stdout elsewhere. */
    printf("noise from the C plugin on stdout\n");
    fflush(stdout);
    int n = snprintf(out, sizeof out,
                     "{\"status\":\"pass\",\"code\":\"" PLUGIN_NAME ".hello.ok\",\"summary\":\"hello from C\","
                     "\"evidence\":[\"request had %zu bytes\"],\"metrics\":{\"request_bytes\":%zu}}",
                     request_len, request_len);
    (void)request;
    sink(ctx, (const uint8_t *)out, (size_t)n);
    return READYCHECK_OK;
}

static const readycheck_plugin_table_v1 TABLE = {
    READYCHECK_ABI_VERSION, sizeof(readycheck_plugin_table_v1), PLUGIN_NAME, "1.0.0", describe, run,
};

READYCHECK_EXPORT uint32_t readycheck_abi_version(void) { return READYCHECK_ABI_VERSION; }
READYCHECK_EXPORT const readycheck_plugin_table_v1 *readycheck_plugin_v1(void) { return &TABLE; }
