#!/usr/bin/env bash
# Rebuilds the committed ELF fixtures of internal/elfinfo from src/.
# Needs gcc, musl-gcc (musl-tools) and go. Run from anywhere:
#   bash internal/elfinfo/testdata/build.sh
# The outputs are committed so that the tests need no compiler.
set -euo pipefail
cd "$(dirname "$0")"
src=src
out=.
export SOURCE_DATE_EPOCH=0
cflags=(-O2 -fno-asynchronous-unwind-tables -Wl,--build-id=none)

gcc "${cflags[@]}" -s -o $out/hello-glibc $src/hello.c
gcc "${cflags[@]}" -g -o $out/hello-glibc-debug $src/hello.c
gcc "${cflags[@]}" -s -static -o $out/hello-static $src/hello.c
gcc "${cflags[@]}" -s -static-pie -o $out/hello-static-pie $src/hello.c
musl-gcc "${cflags[@]}" -s -o $out/hello-musl $src/hello.c
musl-gcc "${cflags[@]}" -s -static -o $out/hello-musl-static $src/hello.c

gcc "${cflags[@]}" -s -shared -fPIC -Wl,-soname,libdemo.so.1 -o $out/libdemo.so.1 $src/demo.c
# DT_RUNPATH (the default with --enable-new-dtags) with $ORIGIN.
gcc "${cflags[@]}" -s -o $out/usedemo-runpath $src/usedemo.c $out/libdemo.so.1 \
	-Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../lib:/opt/demo/lib'
# DT_RPATH (old style).
gcc "${cflags[@]}" -s -o $out/usedemo-rpath $src/usedemo.c $out/libdemo.so.1 \
	-Wl,--disable-new-dtags -Wl,-rpath,'/opt/old/lib:$ORIGIN'

# The same library as a TLS library (no certificate evidence of its own)
# and as one that uses a TLS library.
gcc "${cflags[@]}" -s -shared -fPIC -Wl,-soname,libssl.so.3 -o $out/libssl.so.3 $src/tlslib.c
gcc "${cflags[@]}" -s -shared -fPIC -Wl,-soname,libtlsuser.so.1 -o $out/libtlsuser.so.1 $src/tlslib.c

gcc "${cflags[@]}" -s -o $out/dlopen-note $src/dlopen.c
gcc "${cflags[@]}" -s -o $out/needs-glibc $src/needs.c
musl-gcc "${cflags[@]}" -s -static -o $out/needs-musl-static $src/needs.c

# Go: buildinfo survives -s -w.
(cd $src/gofix && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o ../../go-static .)
(cd $src/gonet && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o ../../go-net .)
(cd $src/gocgo && CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o ../../go-cgo .)

ls -l $out | grep -v -e build.sh -e src

# ARM (gcc-arm-linux-gnueabihf): a static ARMv7 hard-float program without
# libc, for the variant from the build attributes and runs under qemu-arm.
arm-linux-gnueabihf-gcc -O2 -march=armv7-a+fp -mfloat-abi=hard -static -nostdlib -s \
	-Wl,--build-id=none -o $out/hello-armv7 $src/hello-arm.c
