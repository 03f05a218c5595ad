// Compiles the functions between SZ0_TARGET_BEGIN("isa,...") and SZ0_TARGET_END for the named
// instruction sets, whatever the build's baseline. Each *_avx2.cpp / *_avx512.cpp kernel file
// wraps its kernels (internal linkage only, so no inline function the rest of the program shares
// is built with instructions an older CPU lacks) in them, and hands them out only after checking
// the CPU (__builtin_cpu_supports).
#pragma once

#define SZ0_PRAGMA(x) _Pragma(#x)
#if defined(__clang__)
#define SZ0_TARGET_BEGIN(isa) SZ0_PRAGMA(clang attribute push(__attribute__((target(isa))), apply_to = function))
#define SZ0_TARGET_END SZ0_PRAGMA(clang attribute pop)
#else
#define SZ0_TARGET_BEGIN(isa) SZ0_PRAGMA(GCC push_options) SZ0_PRAGMA(GCC target(isa))
#define SZ0_TARGET_END SZ0_PRAGMA(GCC pop_options)
#endif
