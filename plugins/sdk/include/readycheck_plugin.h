/*
 * readycheck plugin ABI, version 1 — the contract between the readycheck host and its plugins.
 *
 * A plugin is a shared library named readycheck_<name> with the platform's prefix and suffix
 * (libreadycheck_network.so, readycheck_network.dll, libreadycheck_network.dylib). It exports
 * two C symbols:
 *
 *   uint32_t readycheck_abi_version(void);
 *       Returns READYCHECK_ABI_VERSION. The host resolves and checks this first and refuses the
 *       library (cause "abi_mismatch") if it differs.
 *
 *   const readycheck_plugin_table_v1 *readycheck_plugin_v1(void);
 *       Returns a pointer to a table with static lifetime.
 *
 * Everything crossing the boundary is UTF-8 JSON passed as (pointer, length). Every pointer is
 * borrowed for the duration of the call only. Output is written through the host-owned sink:
 * the plugin calls sink(ctx, ptr, len) zero or more times; the host concatenates the pieces
 * and copies them before the sink returns, so neither side ever frees the other's memory.
 *
 * Functions must not unwind or longjmp across the boundary. The host calls each plugin in its
 * own child process, so a crash or a hang costs only that check, never the report.
 * Libraries are never unloaded. On Linux the signal SIGRTMIN + 4 belongs to that child
 * process (it learns through it that the host has gone): do not handle, ignore or block it.
 */
#ifndef READYCHECK_PLUGIN_H
#define READYCHECK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define READYCHECK_ABI_VERSION 1u

/* Status codes returned by describe and run. */
#define READYCHECK_OK 0           /* the sink received a manifest (describe) or a result (run) */
#define READYCHECK_PLUGIN_ERROR 1 /* the sink received a UTF-8 error message                 */

/* Host-owned output callback. Copy semantics: the plugin may free ptr as soon as it returns. */
typedef void (*readycheck_sink)(void *ctx, const uint8_t *ptr, size_t len);

typedef struct readycheck_plugin_table_v1 {
    /* Header: never changes position. Later ABI revisions only append fields. */
    uint32_t abi_version; /* READYCHECK_ABI_VERSION                                  */
    uint32_t struct_size; /* sizeof(readycheck_plugin_table_v1) as the plugin built it */

    const char *name;    /* NUL-terminated UTF-8, static: the <name> of the file name */
    const char *version; /* NUL-terminated UTF-8, static: the plugin's own version   */

    /* Writes the manifest JSON:
     *   {"name": "...", "version": "...", "os": ["linux","windows","macos"],
     *    "kinds": [{"name": "tcp", "title": "...", "description": "...",
     *               "params": <JSON Schema of the check's parameters>,
     *               "example": "<TOML snippet>", "os": [...optional...]}]} */
    int32_t (*describe)(void *ctx, readycheck_sink sink);

    /* Runs one check. request is the request JSON:
     *   {"id": "...", "kind": "...", "params": {...}, "timeout_ms": 5000, "os": "linux"}
     * On READYCHECK_OK the sink has received the result JSON:
     *   {"status": "pass|warn|fail|skip|error", "code": "network.tcp.refused",
     *    "summary": "...", "detail": "...", "evidence": ["..."], "metrics": {"connect_ms": 3.2}}
     * On READYCHECK_PLUGIN_ERROR the sink has received a plain UTF-8 message. */
    int32_t (*run)(const uint8_t *request, size_t request_len, void *ctx, readycheck_sink sink);
} readycheck_plugin_table_v1;

#if defined(_WIN32)
#define READYCHECK_EXPORT __declspec(dllexport)
#else
#define READYCHECK_EXPORT __attribute__((visibility("default")))
#endif

READYCHECK_EXPORT uint32_t readycheck_abi_version(void);
READYCHECK_EXPORT const readycheck_plugin_table_v1 *readycheck_plugin_v1(void);

#ifdef __cplusplus
}
#endif

#endif /* READYCHECK_PLUGIN_H */
