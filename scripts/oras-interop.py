#!/usr/bin/env python3
"""Interoperability of `sbom attach` with a client nobody here wrote: the Python `oras`
package (PyPI, pinned in scripts/test.sh). Used by crates/sbom-cli/tests/attach.rs.

  oras-interop.py list-pull HOST/REPO SUBJECT-DIGEST OUTDIR
      Reads the referrers of SUBJECT-DIGEST the way a client without the referrers API
      does (OCI distribution spec 1.1: the image index under the tag `sha256-<hex>`),
      pulls each artifact listed into OUTDIR/<artifact digest>/, and prints JSON:
      [{"digest", "artifactType", "subject", "files": [...]}].

  oras-interop.py push-with-subject HOST/REPO:TAG FILE MEDIA-TYPE
      Pushes FILE as an artifact whose subject is the manifest HOST/REPO:TAG names
      (oras's own push, `subject=`, config media type MEDIA-TYPE), and prints the
      artifact's manifest digest. oras-py has no referrers client and writes no
      fallback tag, so a registry without the referrers API cannot list it.

Plain HTTP (the test registry listens on 127.0.0.1).
"""
import hashlib
import json
import os
import sys

import oras.client
import oras.container
import oras.defaults
import oras.oci

INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def client():
    return oras.client.OrasClient(insecure=True)


def list_pull(repo, subject, outdir):
    c = client()
    tag = subject.replace(":", "-", 1)
    index = c.get_manifest(f"{repo}:{tag}", allowed_media_type=[INDEX])
    assert index.get("mediaType") == INDEX, index
    found = []
    for entry in index.get("manifests", []):
        digest = entry["digest"]
        manifest = c.get_manifest(f"{repo}@{digest}", allowed_media_type=[MANIFEST])
        target = os.path.join(outdir, digest.replace(":", "-"))
        os.makedirs(target, exist_ok=True)
        files = c.pull(target=f"{repo}@{digest}", outdir=target)
        found.append(
            {
                "digest": digest,
                "artifactType": entry.get("artifactType"),
                "subject": (manifest.get("subject") or {}).get("digest"),
                "files": sorted(files),
            }
        )
    json.dump(found, sys.stdout, indent=1)
    print()


def push_with_subject(target, path, media_type):
    c = client()
    repo, _, tag = target.rpartition(":")
    container = c.get_container(target)
    # The subject descriptor needs the digest of the bytes the registry serves.
    accept = ", ".join(oras.defaults.default_manifest_accepted_media_types)
    resp = c.do_request(
        f"{c.prefix}://{container.manifest_url()}", "GET", headers={"Accept": accept}
    )
    resp.raise_for_status()
    raw = resp.content
    media = json.loads(raw).get("mediaType") or resp.headers["Content-Type"]
    subject = oras.oci.Subject(
        mediaType=media, digest="sha256:" + hashlib.sha256(raw).hexdigest(), size=len(raw)
    )
    pushed = c.push(
        target=f"{repo}:sbom-by-oras",
        files=[f"{path}:{media_type}"],
        manifest_config=f"/dev/null:{media_type}",
        manifest_annotations={"org.opencontainers.image.created": "2024-01-02T03:04:05Z"},
        subject=subject,
        disable_path_validation=True,
        quiet=True,
    )
    print(pushed.headers["Docker-Content-Digest"])


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "list-pull":
        list_pull(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "push-with-subject":
        push_with_subject(*sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
