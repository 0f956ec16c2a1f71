#!/usr/bin/env bash
# Builds the rpm database fixtures under testdata/rpm/ (run once; the results are
# committed, CI never runs this). See testdata/rpm/README.md for what each file is.
#
#   scripts/rpm-fixtures.sh            # needs root for apt-get, or the tools below
#
# Tools (all from Debian's mirror):
#   - rpm, rpmbuild (Debian's `rpm` 4.18): builds the packages, writes the SQLite
#     database, reads the Berkeley DB one back (its bdb_ro backend) for the truth.
#   - db5.3_load (Debian's `db5.3-util`): Berkeley DB's own tool writes the hash
#     database of the real header blobs (rpm 4.18 can no longer write BDB).
#   - rpm 4.18 built from Debian's own source package with --enable-ndb (Debian's
#     binary leaves NDB out): writes the NDB database. Set RPM_NDB=/path/to/bin/rpm
#     to reuse a build.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/testdata/rpm"
WORK=${WORK:-$(mktemp -d /tmp/rpm-fixtures.XXXXXX)}
export SOURCE_DATE_EPOCH=1700000000
export LC_ALL=C

need() { command -v "$1" >/dev/null 2>&1; }
if ! need rpmbuild || ! need db5.3_load || ! need sqlite3 || ! need gpg; then
    apt-get -o DPkg::Lock::Timeout=900 install -y rpm db5.3-util sqlite3 gpg
fi

# --- an NDB-capable rpm, from Debian's source package --------------------------------
build_ndb_rpm() {
    local src="$WORK/rpmsrc" v=4.18.0+dfsg-1+deb12u1
    apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends \
        build-essential pkg-config libpopt-dev libarchive-dev liblua5.3-dev libzstd-dev \
        libelf-dev libdw-dev libmagic-dev libgcrypt20-dev zlib1g-dev liblzma-dev \
        libbz2-dev libsqlite3-dev libreadline-dev curl >&2
    mkdir -p "$src" && cd "$src"
    curl -sSfLO "http://deb.debian.org/debian/pool/main/r/rpm/rpm_${v%-*}.orig.tar.xz"
    tar xf "rpm_${v%-*}.orig.tar.xz"
    cd rpm-4.18.0
    ./configure --prefix="$src/inst" --enable-ndb --enable-bdb-ro --enable-sqlite \
        --with-crypto=libgcrypt --disable-plugins --without-selinux --without-cap \
        --without-acl --without-audit --disable-python --disable-openmp --without-imaevm \
        --without-fsverity --disable-nls LUA_CFLAGS=-I/usr/include/lua5.3 LUA_LIBS=-llua5.3 >&2
    make -j"$(nproc)" >&2 && make install >&2
    echo "$src/inst/bin/rpm"
}
RPM_NDB=${RPM_NDB:-$(build_ndb_rpm)}

# --- the packages --------------------------------------------------------------------
TOP="$WORK/top"
mkdir -p "$TOP"
build() { # spec, target
    rpmbuild -bb --quiet --define "_topdir $TOP" --target "$2" \
        --define 'debug_package %{nil}' --define '__os_install_post %{nil}' \
        --define '_build_id_links none' --define 'use_source_date_epoch_as_buildtime 1' \
        --define 'clamp_mtime_to_source_date_epoch 1' \
        "$OUT/specs/$1" >&2
}
build hello.spec x86_64
build hello.spec i686
build greeter.spec noarch
build python3-foo.spec noarch
build leftover.spec noarch
R="$TOP/RPMS"
FIRST=("$R"/x86_64/hello-1.0-3.el9.x86_64.rpm "$R"/x86_64/hello-libs-1.0-3.el9.x86_64.rpm)
SECOND=("$R"/i686/hello-libs-1.0-3.el9.i686.rpm "$R"/noarch/greeter-0.9-1.el9.noarch.rpm
    "$R"/noarch/leftover-1-1.noarch.rpm "$R"/noarch/python3-foo-1.2-1.el9.noarch.rpm)

# A signing key, imported like a distribution's key (rpm lists it as gpg-pubkey).
export GNUPGHOME="$WORK/gnupg"
mkdir -p -m 700 "$GNUPGHOME"
gpg --batch --passphrase '' --quick-gen-key 'Fixture Signing Key <keys@example.org>' \
    ed25519 sign never >&2
gpg --batch --armor --export keys@example.org > "$WORK/key.asc"

# The same transactions for every backend: two installs, a key import, an erase (so
# the databases hold a freed record, as real ones do).
populate() { # rpm binary, dbpath, backend
    local rpm=$1 db=$2 be=$3
    local o=(--dbpath "$db" --define "_db_backend $be")
    rm -rf "$db" && mkdir -p "$db"
    "$rpm" "${o[@]}" --initdb
    "$rpm" "${o[@]}" -i --justdb --nodeps --noscripts --ignorearch "${FIRST[@]}"
    "$rpm" "${o[@]}" --import "$WORK/key.asc"
    "$rpm" "${o[@]}" -i --justdb --nodeps --noscripts --ignorearch "${SECOND[@]}"
    "$rpm" "${o[@]}" -e --justdb --nodeps --noscripts leftover
}

mkdir -p "$OUT/sqlite" "$OUT/bdb" "$OUT/ndb"
populate rpm "$WORK/sqlite" sqlite
cp "$WORK/sqlite/rpmdb.sqlite" "$OUT/sqlite/rpmdb.sqlite"
populate "$RPM_NDB" "$WORK/ndb" ndb
cp "$WORK/ndb/Packages.db" "$OUT/ndb/Packages.db"

# Berkeley DB: the SQLite database's header blobs under their instance numbers
# (4-byte keys in host order, little-endian here), plus record 0 holding the last
# instance number, as rpm's BDB backend kept it; written by Berkeley DB itself.
{
    printf 'VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=4096\nHEADER=END\n'
    max=$(sqlite3 "$WORK/sqlite/rpmdb.sqlite" 'select max(hnum) from Packages')
    le() { printf '%08x' "$1" | sed -E 's/(..)(..)(..)(..)/\4\3\2\1/'; }
    printf ' %s\n %s\n' "$(le 0)" "$(le "$max")"
    sqlite3 -separator ' ' "$WORK/sqlite/rpmdb.sqlite" \
        'select hnum, lower(hex(blob)) from Packages order by hnum' |
        while read -r hnum blob; do printf ' %s\n %s\n' "$(le "$hnum")" "$blob"; done
    printf 'DATA=END\n'
} > "$WORK/bdb.dump"
rm -rf "$WORK/bdb" && mkdir -p "$WORK/bdb"
db5.3_load -f "$WORK/bdb.dump" "$WORK/bdb/Packages"
cp "$WORK/bdb/Packages" "$OUT/bdb/Packages"
# The same, as a big-endian host (s390x, ppc64) writes it: pages and keys big-endian.
awk 'BEGIN{k=0} /^HEADER=END/{h=1; print; next} !h{print; next} /^DATA=END/{print; next}
     { if (k%2==0) { v=substr($0,2); printf " %s%s%s%s\n", substr(v,7,2), substr(v,5,2), substr(v,3,2), substr(v,1,2) } else print; k++ }' \
    "$WORK/bdb.dump" > "$WORK/bdb-be.dump"
rm -rf "$WORK/bdb-be" && mkdir -p "$WORK/bdb-be" "$OUT/bdb-be"
db5.3_load -c db_lorder=4321 -f "$WORK/bdb-be.dump" "$WORK/bdb-be/Packages"
cp "$WORK/bdb-be/Packages" "$OUT/bdb-be/Packages"

# --- the truth: rpm's own answers, per database --------------------------------------
QF='%{NAME}\t%{EVR}\t%{ARCH}\t%{SOURCERPM}\t%{LICENSE}\t%{VENDOR}\t%{PACKAGER}\t%{SIZE}\n'
truth() { # rpm binary, dbpath, backend, out folder
    local rpm=$1 o=(--dbpath "$2" --define "_db_backend $3") dir=$4
    "$rpm" "${o[@]}" -qa --qf "$QF" | sort > "$dir/expected.tsv"
    # Files each package owns: NAME.ARCH<TAB>path.
    "$rpm" "${o[@]}" -qa --qf '[%{=NAME}.%{=ARCH}\t%{FILENAMES}\n]' | sort > "$dir/files.tsv"
    # Dependency edges: for every Requires name, the packages rpm says provide it
    # (rich dependencies: each of their package names); rpmlib() has no provider.
    "$rpm" "${o[@]}" -qa --qf '[%{=NAME}.%{=ARCH}\t%{REQUIRENAME}\n]' |
        while IFS=$'\t' read -r from req; do
            caps=("$req")
            if [[ $req == '('* ]]; then
                read -ra caps <<< "$(echo "$req" | sed -E 's/[()]/ /g; s/ (or|and|if|else|with|without|unless) / /g')"
            fi
            for cap in "${caps[@]}"; do
                "$rpm" "${o[@]}" -q --whatprovides "$cap" --qf '%{NAME}.%{ARCH}\n' 2>/dev/null |
                    grep -v -e '^no package' -e 'not owned by any package' | sed "s|^|$from\t|" || true
            done
        done | awk -F'\t' '$1 != $2' | sort -u > "$dir/depends.tsv"
}
truth rpm "$WORK/sqlite" sqlite "$OUT/sqlite"
truth "$RPM_NDB" "$WORK/ndb" ndb "$OUT/ndb"
# The BDB truth is read by Debian's rpm through its own bdb_ro backend. That backend
# answers --whatprovides only through index databases (Providename, ...) that rpm kept
# beside Packages; so for the edges rpm itself converts this Packages into SQLite
# (--rebuilddb reads it through bdb_ro) and answers from the copy.
truth rpm "$WORK/bdb" bdb_ro "$OUT/bdb" 2>/dev/null
rm -rf "$WORK/bdb-rebuilt" && cp -r "$WORK/bdb" "$WORK/bdb-rebuilt"
rpmdb --dbpath "$WORK/bdb-rebuilt" --rebuilddb >&2
bdb_expected=$(cat "$OUT/bdb/expected.tsv")
truth rpm "$WORK/bdb-rebuilt" sqlite "$OUT/bdb"
[ "$bdb_expected" = "$(cat "$OUT/bdb/expected.tsv")" ]
truth rpm "$WORK/bdb-be" bdb_ro "$OUT/bdb-be" 2>/dev/null
cp "$OUT/bdb/depends.tsv" "$OUT/bdb-be/depends.tsv" # same blobs; see above
# SQLite with committed transactions still in its write-ahead log: the SQLite shell
# erases greeter's record with its connection open (no checkpoint) and copies the
# pair; rpm then reads the pair (SQLite applies the log) for the truth.
mkdir -p "$OUT/sqlite-wal" && rm -rf "$WORK/wal" && mkdir -p "$WORK/wal" "$WORK/wal-copy"
cp "$WORK/sqlite/rpmdb.sqlite" "$WORK/wal/"
sqlite3 "$WORK/wal/rpmdb.sqlite" 'PRAGMA journal_mode=WAL;' 'PRAGMA wal_autocheckpoint=0;' \
    "DELETE FROM Packages WHERE hnum IN (SELECT hnum FROM Name WHERE key = 'greeter');" \
    ".shell cp $WORK/wal/rpmdb.sqlite $WORK/wal/rpmdb.sqlite-wal $WORK/wal-copy/" >&2
cp "$WORK/wal-copy/rpmdb.sqlite" "$WORK/wal-copy/rpmdb.sqlite-wal" "$OUT/sqlite-wal/"
[ -s "$OUT/sqlite-wal/rpmdb.sqlite-wal" ]
rpm --dbpath "$WORK/wal-copy" -qa --qf "$QF" | sort > "$OUT/sqlite-wal/expected.tsv"
! grep -q '^greeter' "$OUT/sqlite-wal/expected.tsv"

for f in expected.tsv files.tsv depends.tsv; do
    cmp "$OUT/sqlite/$f" "$OUT/bdb/$f"
    cmp "$OUT/sqlite/$f" "$OUT/ndb/$f"
    cmp "$OUT/sqlite/$f" "$OUT/bdb-be/$f"
done
echo "fixtures written to $OUT (work folder $WORK)"
