#!/usr/bin/env bash
# Builds testdata/langpkgs: real npm, Ruby gem and Composer metadata at the paths an
# image holds them, plus the truth each test compares against, taken from independent
# tools (npm ls, Ruby's own Gem::Specification and Bundler::LockfileParser, python's
# json over Composer's files, dpkg-deb for the Debian control data).
#
# Needs: node + npm (registry access), ruby (its bundled bundler), python3, apt-get (Debian 12
# mirror), dpkg-deb. Run once when the fixture should change, then commit the result:
#
#   scripts/make-langpkgs-fixtures.sh            # rewrites testdata/langpkgs
#
# Only the files the catalogers read are kept (package.json / lock files, gemspecs,
# installed.json / composer.lock, dpkg status stanzas and the .list lines naming them),
# so the fixture is a few MB of text, not the 60 MB of an installed node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$PWD/testdata/langpkgs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$out/rootfs
truth=$out/truth
rm -rf "$out"
mkdir -p "$root" "$truth"
export npm_config_omit_lockfile_registry_resolved=false npm_config_fund=false npm_config_audit=false

# Keeps only the package.json files (and node_modules/.package-lock.json) of a tree.
copy_npm_meta() { # SRC DEST
  (cd "$1" && find . \( -name package.json -o -name package-lock.json -o -name npm-shrinkwrap.json -o -name .package-lock.json \) -type f -print0) |
    while IFS= read -r -d '' f; do
      mkdir -p "$2/$(dirname "$f")"
      cp "$1/$f" "$2/$f"
    done
}

# npm ls --all --long --json → sorted [{name, version, path}] (path relative to the rootfs).
npm_truth() { # PREFIX-TO-STRIP OUTPUT (npm ls JSON on stdin)
  cat >"$work/ls.json"
  python3 - "$1" "$2" "$work/ls.json" <<'EOF'
import json, sys
strip, dest = sys.argv[1], sys.argv[2]
tree = json.load(open(sys.argv[3]))
seen = {}
edges = set()
rel = lambda path: path[len(strip):].lstrip("/")
def walk(node):
    for key, dep in (node.get("dependencies") or {}).items():
        path = dep.get("path")
        if not path or "version" not in dep:
            continue
        if node.get("path"):
            edges.add((rel(node["path"]), rel(path)))
        seen[rel(path)] = {"name": dep.get("name", key), "version": dep["version"], "path": rel(path)}
        walk(dep)
walk(tree)
app = {"name": tree.get("name"), "version": tree.get("version")}
# edges: which installed copy each package's dependency resolved to (npm's own answer)
json.dump({"app": app, "packages": sorted(seen.values(), key=lambda p: p["path"]),
           "edges": sorted(edges)}, open(dest, "w"), indent=1, sort_keys=True)
EOF
}

# --- npm: an application with node_modules and its lock (v3) ----------------------------
app=$work/srv/console
mkdir -p "$app"
cat >"$app/package.json" <<'EOF'
{
  "name": "skyline-console-like",
  "version": "1.4.0",
  "description": "fixture app for sbom's npm cataloger",
  "license": "Apache-2.0",
  "private": true,
  "dependencies": {
    "@babel/core": "7.26.0",
    "@types/node": "22.10.2",
    "axios": "1.7.9",
    "express": "4.21.2",
    "jest": "29.7.0",
    "lodash": "4.17.21",
    "moment": "2.30.1"
  },
  "devDependencies": {
    "prettier": "3.4.2"
  }
}
EOF
(cd "$app" && npm install --ignore-scripts --no-audit --no-fund >/dev/null)
(cd "$app" && npm ls --all --long --json) | npm_truth "$work" "$truth/npm-console.json"
copy_npm_meta "$app" "$root/srv/console"

# --- npm: lock-only applications, lock v1 (package-lock.json) and v2 (npm-shrinkwrap.json)
for v in 1 2; do
  d=$work/srv/lock-v$v
  mkdir -p "$d"
  cat >"$d/package.json" <<EOF
{ "name": "lock-v$v-app", "version": "0.$v.0", "license": "MIT",
  "dependencies": { "express": "4.21.2", "@sindresorhus/is": "4.6.0", "debug": "4.4.0" },
  "devDependencies": { "left-pad": "1.3.0" } }
EOF
  (cd "$d" && npm install --package-lock-only --lockfile-version $v --ignore-scripts >/dev/null)
  (cd "$d" && npm ls --all --long --json --package-lock-only --omit=dev) |
    npm_truth "$work" "$truth/npm-lock-v$v.json"
  if [ $v = 2 ]; then mv "$d/package-lock.json" "$d/npm-shrinkwrap.json"; fi
  copy_npm_meta "$d" "$root/srv/lock-v$v"
done

# --- npm: a global install (the npm that node's own tarball bundles, with its deps) ------
g=$work/usr/local
npm install -g --prefix "$g" --ignore-scripts npm@10.9.2 >/dev/null
npm ls -g --all --long --json --prefix "$g" | npm_truth "$work" "$truth/npm-global.json"
copy_npm_meta "$g/lib/node_modules" "$root/usr/local/lib/node_modules"

# --- Debian packages: Ruby gems (jekyll and its closure, libruby's default and bundled
# gems), node modules Debian installs under /usr/share/nodejs, and MediaWiki's Composer
# vendor tree.
debs=${LANGPKGS_DEB_CACHE:-$work/debs} # set it to keep the .debs between runs
mkdir -p "$debs" "$work/x"
ruby_pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances jekyll 2>/dev/null | grep -E '^[a-z]' | sort -u |
  grep -E '^(ruby-|libruby3|jekyll$|rake$|rubygems-integration$)')
deb_pkgs="$ruby_pkgs node-semver node-lru-cache node-yallist node-debug node-ms mediawiki"
ls "$debs"/mediawiki_*.deb >/dev/null 2>&1 || (cd "$debs" && apt-get download $deb_pkgs >/dev/null 2>&1)
ls "$debs"/*.deb | sed 's|.*/||' | sort >"$out/debs.txt"
mkdir -p "$root/var/lib/dpkg/info"
: >"$root/var/lib/dpkg/status"
for f in "$debs"/*.deb; do
  pkg=$(dpkg-deb -f "$f" Package)
  arch=$(dpkg-deb -f "$f" Architecture)
  # status stanza: the real control fields, marked installed
  dpkg-deb -f "$f" | awk -v st="Status: install ok installed" \
    'NR==1{print; print st; next} {print}' >>"$root/var/lib/dpkg/status"
  echo >>"$root/var/lib/dpkg/status"
  x=$work/x/$pkg
  mkdir -p "$x"
  dpkg-deb -x "$f" "$x"
  # the deb's file list, restricted to the metadata the catalogers read (and their folders)
  list=$root/var/lib/dpkg/info/$pkg.list
  [ "$arch" = all ] || list=$root/var/lib/dpkg/info/$pkg:$arch.list
  dpkg-deb --fsys-tarfile "$f" | tar -t | sed 's|^\./|/|; s|/$||' |
    grep -E '/specifications(/default)?/[^/]+\.gemspec$|/specifications(/default)?$|/nodejs/(@[^/]+/)?[^/]+/package\.json$|/composer/installed\.json$|/composer\.lock$' >"$list" || true
  [ -s "$list" ] || rm -f "$list"
  (cd "$x" && find . \( -path '*/specifications/*.gemspec' -o -path '*/composer/installed.json' \
    -o -path './usr/share/mediawiki/vendor/composer.lock' \
    -o -regex '\./usr/share/nodejs/\(@[^/]*/\)?[^/]*/package\.json' \) -type f -print0) |
    while IFS= read -r -d '' m; do
      mkdir -p "$root/$(dirname "$m")"
      cp "$x/$m" "$root/$m"
    done
done

# Gems: truth from Ruby itself loading every installed gemspec.
ruby -rjson -e '
  files = Dir.glob(ARGV[0] + "/**/specifications/*.gemspec") + Dir.glob(ARGV[0] + "/**/specifications/default/*.gemspec")
  out = files.sort.map do |f|
    s = Gem::Specification.load(f) or abort "ruby could not load #{f}"
    { "path" => f.delete_prefix(ARGV[0] + "/"), "name" => s.name, "version" => s.version.to_s,
      "licenses" => s.licenses, "authors" => s.authors,
      "runtime_dependencies" => s.runtime_dependencies.map(&:name).sort }
  end
  File.write(ARGV[1], JSON.pretty_generate(out))' "$root" "$truth/gems.json"
# ...and from `gem list` with GEM_PATH over the rootfs's gem roots (its default gems
# included): name (versions).
gem_path=$(cd "$root" && find . -type d -name specifications | sed 's|/specifications$||; s|^\.|'"$root"'|' | sort | paste -sd:)
GEM_HOME=$work/empty-gem-home GEM_PATH=$gem_path ruby -e '
  Gem::Specification.dirs = ENV["GEM_PATH"].split(":").map { |d| d + "/specifications" }
  Gem::Specification.reset
  specs = []
  Gem::Specification.each_spec(Gem::Specification.dirs) { |s| specs << s }
  defaults = Gem::Specification.dirs.flat_map { |d| Dir.glob(d + "/default/*.gemspec") }.map { |f| Gem::Specification.load(f) }
  (specs + defaults).map { |s| "#{s.name} #{s.version}" }.uniq.sort.each { |l| puts l }' >"$truth/gem-list.txt"

# A bundler application: Gemfile.lock resolved by bundler from the gems above (no
# network), truth from Bundler::LockfileParser.
rapp=$work/srv/blog
mkdir -p "$rapp"
# (pure-Ruby gems: the fixture keeps no compiled extensions, so bundler would not count
# ffi & co. as installed)
printf 'source "https://rubygems.org"\n%s' "$(printf 'gem "%s"\n' kramdown-parser-gfm liquid i18n \
  addressable terminal-table mercenary rouge mime-types)" >"$rapp/Gemfile"
( cd "$rapp" && GEM_HOME=$work/empty-gem-home GEM_PATH=$gem_path \
  ruby -rbundler -rbundler/cli -e 'Bundler::CLI.start(ARGV)' lock --local >/dev/null ) || {
  echo "bundle lock --local failed" >&2; exit 1; }
mkdir -p "$root/srv/blog"
cp "$rapp/Gemfile.lock" "$root/srv/blog/Gemfile.lock"
BUNDLE_GEMFILE=$rapp/Gemfile ruby -rbundler -rjson -e '
  l = Bundler::LockfileParser.new(File.read(ARGV[0]))
  out = l.specs.map { |s| { "name" => s.name, "version" => s.version.to_s } }.uniq.sort_by { |s| [s["name"], s["version"]] }
  File.write(ARGV[1], JSON.pretty_generate(out))' "$root/srv/blog/Gemfile.lock" "$truth/gemfile-lock.json"

# A Composer application without vendor/: its lock only (MediaWiki's vendor lock).
mkdir -p "$root/srv/wiki"
cp "$root/usr/share/mediawiki/vendor/composer.lock" "$root/srv/wiki/composer.lock"
python3 - "$root" "$truth/composer.json" <<'EOF'
import json, sys
root, dest = sys.argv[1], sys.argv[2]
inst = json.load(open(f"{root}/usr/share/mediawiki/vendor/composer/installed.json"))
lock = json.load(open(f"{root}/srv/wiki/composer.lock"))
pick = lambda ps: sorted(({"name": p["name"], "version": p["version"],
                           "license": p.get("license", []),
                           "require": sorted(p.get("require", {}))} for p in ps),
                         key=lambda p: p["name"])
json.dump({"installed": pick(inst["packages"] if isinstance(inst, dict) else inst),
           "lock": pick(lock["packages"])}, open(dest, "w"), indent=1, sort_keys=True)
EOF

# Debian's node modules: name and version as their package.json state them.
python3 - "$root" "$truth/debian-nodejs.json" <<'EOF'
import glob, json, sys
root, dest = sys.argv[1], sys.argv[2]
out = []
for f in sorted(glob.glob(f"{root}/usr/share/nodejs/**/package.json", recursive=True)):
    rel = f[len(root) + 1:]
    parts = rel.split("/")
    if len(parts) == 5 or (len(parts) == 6 and parts[3].startswith("@")):
        p = json.load(open(f))
        out.append({"path": rel, "name": p["name"], "version": p["version"]})
json.dump(out, open(dest, "w"), indent=1)
EOF

echo "testdata/langpkgs: $(find "$root" -type f | wc -l) files, $(du -sh "$out" | cut -f1)"
