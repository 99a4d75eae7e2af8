# 64-bit ARM gateways (Debian arm64). Compilers from crossbuild-essential-arm64;
# the target's libraries are Debian's multiarch packages (:arm64) in
# /usr/lib/aarch64-linux-gnu, so no sysroot. Tests run under qemu-user.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Programs (protoc) are the build machine's; libraries, headers and CMake
# packages are searched in the target's root first, then in /usr, where
# CMAKE_LIBRARY_ARCHITECTURE picks the aarch64-linux-gnu directories.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# pkg-config reads the target's .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)

# ctest runs each test through qemu-user. The target's dynamic loader and libc
# are libc6:arm64 (multiarch, in /lib), so no -L: with -L, qemu 7.2 (Debian 12)
# hangs the child of every fork().
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64)
