/*
 * A test-only stand-in for bcryptprimitives.dll under Wine.
 *
 * Every Windows binary of Go 1.22 or later draws its random numbers from
 * ProcessPrng in bcryptprimitives.dll, which Windows 10 has and Debian 12's
 * Wine 8.0 lacks, so the binary dies at start. .ci/wine/run builds this
 * with Debian's mingw-w64 into the throw-away Wine prefix of the CI run;
 * it is never part of siftload.
 */
#include <windows.h>

/* RtlGenRandom, exported by advapi32 as SystemFunction036. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG n = length > 0x10000000 ? 0x10000000 : (ULONG)length;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		length -= n;
	}
	return TRUE;
}
