/* Starts a program the way Explorer does for a double-click: in a console of its own
 * (CREATE_NEW_CONSOLE), so that GetConsoleProcessList in it returns 1, with no arguments. Its
 * standard handles are this program's, so a test can type Enter into it and read what it
 * printed. Exits with the program's exit code. Usage: newconsole.exe PROGRAM.exe */
#include <windows.h>
#include <stdio.h>

int wmain(int argc, wchar_t **argv) {
    if (argc != 2) {
        fwprintf(stderr, L"usage: newconsole PROGRAM\n");
        return 100;
    }
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    ZeroMemory(&si, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    wchar_t cmd[32768];
    _snwprintf(cmd, 32768, L"\"%ls\"", argv[1]);
    if (!CreateProcessW(argv[1], cmd, NULL, NULL, TRUE, CREATE_NEW_CONSOLE, NULL, NULL, &si, &pi)) {
        fwprintf(stderr, L"CreateProcess failed: %lu\n", GetLastError());
        return 101;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 102;
    GetExitCodeProcess(pi.hProcess, &code);
    return (int)code;
}
