#!/usr/bin/env bash
# A real Go 1.17 binary for the Go cataloger's pointer-format test (build info of Go 1.13
# to 1.17: the header holds two pointers to Go string headers, whose bytes lie in
# read-only data earlier in the file). Writes testdata/go-pointer/ once; re-run to remake:
#
#   scripts/go-pointer-fixture.sh
#
# Source: esbuild 0.13.15's linux binaries from npm, built by the upstream release with
# go1.17.2: esbuild-linux-64 (x86-64, 8-byte pointers, 7.7 MB) and esbuild-linux-32 (386,
# ELF32, 4-byte pointers). Kept small: every byte is zeroed except the
# ELF header, program headers and notes (first page), the build-info header, the two
# string headers it points to, and the two strings (toolchain version, module info); the
# section headers are dropped. Gzipped, the file is a few KB and keeps its layout, so the
# cataloger reads it as it reads the original.
#
# Truth: `go version -m` of the original binary (any Go >= 1.18 reads the old format),
# written to NAME.go-version-m; the script checks that `go version -m` reads the same
# from the reduced file.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=testdata/go-pointer
VERSION=0.13.15
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
reduce() { # NPM-PACKAGE NAME
  local pkg=$1 name=$2 dir=$tmp/$2
  mkdir -p "$dir"
  (cd "$dir" && npm pack -q "$pkg@$VERSION" >/dev/null && tar -xzf "$pkg-$VERSION.tgz")
  local orig=$dir/package/bin/esbuild
  go version -m "$orig" | sed "s|^$orig:|esbuild:|" >"$dir/truth"
  python3 - "$orig" "$dir/reduced" <<'PY'
import struct, sys
src, dst = sys.argv[1:]
b = open(src, "rb").read()
assert b[:4] == b"\x7fELF" and b[5] == 1, "expects a little-endian ELF"
wide = b[4] == 2
if wide:
    phoff, = struct.unpack_from("<Q", b, 32)
    phentsize, phnum = struct.unpack_from("<HH", b, 54)
    shoff, shfields = (40, 8), (58, 6)
else:
    phoff, = struct.unpack_from("<I", b, 28)
    phentsize, phnum = struct.unpack_from("<HH", b, 42)
    shoff, shfields = (32, 4), (46, 6)
loads = []
for i in range(phnum):
    p = phoff + i * phentsize
    if wide:
        kind, flags, off, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", b, p)
    else:
        kind, off, vaddr, _, filesz = struct.unpack_from("<IIIII", b, p)
    if kind == 1:
        loads.append((off, vaddr, filesz))
def at(addr):
    for off, vaddr, size in loads:
        if vaddr <= addr < vaddr + size:
            return off + addr - vaddr
    raise SystemExit(f"address {addr:#x} not in a loaded segment")
info = b.find(b"\xff Go buildinf:")
ptr = 8 if wide else 4
word = "<Q" if wide else "<I"
assert info > 0 and info % 16 == 0 and b[info + 14] == ptr and b[info + 15] == 0, "not the pointer format"
keep = [(0, 0x1000), (info, info + 32)]
for k in range(2):
    hdr = at(struct.unpack_from(word, b, info + 16 + k * ptr)[0])
    data, = struct.unpack_from(word, b, hdr)
    length, = struct.unpack_from(word, b, hdr + ptr)
    keep += [(hdr, hdr + 2 * ptr), (at(data), at(data) + length)]
out = bytearray(len(b))
for s, e in keep:
    out[s:e] = b[s:e]
for o, n in (shoff, shfields):  # no section headers: e_shoff, e_shentsize/shnum/shstrndx = 0
    out[o:o + n] = b"\0" * n
open(dst, "wb").write(out)
print(f"kept {sum(e - s for s, e in keep)} of {len(b)} bytes", file=sys.stderr)
PY
  chmod 755 "$dir/reduced"  # go version skips files that are not executable
  go version -m "$dir/reduced" | sed "s|^$dir/reduced:|esbuild:|" >"$dir/reduced.truth"
  diff -u "$dir/truth" "$dir/reduced.truth"
  gzip -9n <"$dir/reduced" >"$OUT/$name.gz"
  cp "$dir/truth" "$OUT/$name.go-version-m"
}
reduce esbuild-linux-64 esbuild
reduce esbuild-linux-32 esbuild-386
ls -l "$OUT"
