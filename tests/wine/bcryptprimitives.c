/* Wine 8 has no bcryptprimitives.dll, which Rust's standard library imports for ProcessPrng.
 * This shim, built with mingw-w64 and placed next to the .exe, provides it on top of
 * BCryptGenRandom. Used only to run the Windows build under Wine in the tests. */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
