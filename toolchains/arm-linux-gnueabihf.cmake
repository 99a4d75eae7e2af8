# 32-bit ARM gateways (Debian armhf, ARMv7 hard-float). Compilers from crossbuild-essential-armhf;
# the target's libraries are Debian's multiarch packages (:armhf) in
# /usr/lib/arm-linux-gnueabihf, so no sysroot. Tests run under qemu-user.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)

# Programs (protoc) are the build machine's; libraries, headers and CMake
# packages are searched in the target's root first, then in /usr, where
# CMAKE_LIBRARY_ARCHITECTURE picks the arm-linux-gnueabihf directories.
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# pkg-config reads the target's .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig)

# ctest runs each test through qemu-user. The target's dynamic loader and libc
# are libc6:armhf (multiarch, in /lib), so no -L: with -L, qemu 7.2 (Debian 12)
# hangs the child of every fork().
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm)
