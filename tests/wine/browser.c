/* A stand-in for the default browser: the tests register it for .html files in the Wine
 * prefix, and it appends the file it was asked to open to the file named by BROWSER_LOG. */
#include <windows.h>
#include <stdio.h>

int wmain(int argc, wchar_t **argv) {
    wchar_t log[MAX_PATH];
    if (argc < 2 || !GetEnvironmentVariableW(L"BROWSER_LOG", log, MAX_PATH))
        return 1;
    FILE *f = _wfopen(log, L"a");
    if (!f)
        return 2;
    fwprintf(f, L"%ls\n", argv[1]);
    fclose(f);
    return 0;
}
