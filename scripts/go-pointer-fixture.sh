#!/usr/bin/env bash
# A real Go 1.17 binary for the Go cataloger's pointer-format test (build info of Go 1.13
# to 1.17: the header holds two pointers to Go string headers, whose bytes lie in
# read-only data earlier in the file). Writes testdata/go-pointer/ once; re-run to remake:
#
#   scripts/go-pointer-fixture.sh
#
# Source: esbuild 0.13.15's linux-x64 binary (npm package esbuild-linux-64, built by the
# upstream release with go1.17.2; 7.7 MB). Kept small: every byte is zeroed except the
# ELF header, program headers and notes (first page), the build-info header, the two
# string headers it points to, and the two strings (toolchain version, module info); the
# section headers are dropped. Gzipped, the file is a few KB and keeps its layout, so the
# cataloger reads it as it reads the original.
#
# Truth: `go version -m` of the original binary (any Go >= 1.18 reads the old format),
# written to esbuild.go-version-m; the script checks that `go version -m` reads the same
# from the reduced file.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=testdata/go-pointer
VERSION=0.13.15
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack -q "esbuild-linux-64@$VERSION" >/dev/null && tar -xzf "esbuild-linux-64-$VERSION.tgz")
orig=$tmp/package/bin/esbuild
go version -m "$orig" | sed "s|^$orig:|esbuild:|" >"$tmp/truth"
python3 - "$orig" "$tmp/esbuild" <<'PY'
import struct, sys
src, dst = sys.argv[1:]
b = open(src, "rb").read()
assert b[:4] == b"\x7fELF" and b[4] == 2 and b[5] == 1, "expects a little-endian ELF64"
phoff, = struct.unpack_from("<Q", b, 32)
phentsize, phnum = struct.unpack_from("<HH", b, 54)
loads = []
for i in range(phnum):
    p = phoff + i * phentsize
    kind, flags, off, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", b, p)
    if kind == 1:
        loads.append((off, vaddr, filesz))
def at(addr):
    for off, vaddr, size in loads:
        if vaddr <= addr < vaddr + size:
            return off + addr - vaddr
    raise SystemExit(f"address {addr:#x} not in a loaded segment")
info = b.find(b"\xff Go buildinf:")
assert info > 0 and info % 16 == 0 and b[info + 14] == 8 and b[info + 15] == 0, "not the pointer format"
keep = [(0, 0x1000), (info, info + 32)]
for ptr in struct.unpack_from("<QQ", b, info + 16):
    hdr = at(ptr)
    data, length = struct.unpack_from("<QQ", b, hdr)
    keep += [(hdr, hdr + 16), (at(data), at(data) + length)]
out = bytearray(len(b))
for s, e in keep:
    out[s:e] = b[s:e]
out[40:48] = b"\0" * 8  # e_shoff = 0: no section headers
out[58:64] = b"\0" * 6  # e_shentsize, e_shnum, e_shstrndx = 0
open(dst, "wb").write(out)
print(f"kept {sum(e - s for s, e in keep)} of {len(b)} bytes", file=sys.stderr)
PY
chmod 755 "$tmp/esbuild"  # go version skips files that are not executable
go version -m "$tmp/esbuild" | sed "s|^$tmp/esbuild:|esbuild:|" >"$tmp/reduced"
diff -u "$tmp/truth" "$tmp/reduced"
gzip -9n <"$tmp/esbuild" >"$OUT/esbuild.gz"
cp "$tmp/truth" "$OUT/esbuild.go-version-m"
ls -l "$OUT"
