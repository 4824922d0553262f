#!/usr/bin/env bash
# Runs the real pre-commit (from PyPI, in a throwaway virtualenv) against this repository's
# hooks with `pre-commit try-repo`: the hooks pass on a clean workspace and fail, showing the
# diagnostic, on a broken one.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==4.7.0"
export PATH="$work/venv/bin:$PATH"
export PRE_COMMIT_HOME="$work/cache"
# Every hook environment is a `cargo install` of this repository: share one target folder so
# that only the first one compiles from scratch.
export CARGO_TARGET_DIR="$work/target"

# A configuration repository holding a copy of the example workspace and its bundle.
config="$work/config"
mkdir "$config"
cp -r "$repo/fixtures/example/." "$config/"
cd "$config"
git init -q
"$repo/target/debug/nimbus-lint" build >/dev/null 2>&1 || cargo run --quiet --manifest-path "$repo/Cargo.toml" -- build >/dev/null
git add -A
git -c user.email=ci@example.com -c user.name=ci commit -qm "tenant configuration"

echo "pre-commit: hooks on a clean workspace"
pre-commit try-repo "$repo" nimbus-lint --all-files
pre-commit try-repo "$repo" nimbus-lint-build --all-files

echo "pre-commit: files git does not track are no part of the commit"
# A transfer to a service that only an untracked file defines, and a half-written draft: the
# commit is judged as it is, without either file.
printf '[service.half\n' >draft.toml
printf '[service.vip-desk]\nname = "VIP"\nou = "sales"\nlicense = "contact_center"\n' >services/vip.toml
sed -i '0,/transfers = \["sales-team"/s//transfers = ["vip-desk", "sales-team"/' services/sales.toml
git add services/sales.toml
if pre-commit try-repo "$repo" nimbus-lint --all-files >"$work/out" 2>&1; then
  cat "$work/out"
  echo "FAIL: a service defined only in an untracked file made the commit pass" >&2
  exit 1
fi
cat "$work/out"
grep -q 'unknown service `vip-desk`' "$work/out" || { echo "FAIL: the broken transfer is not shown" >&2; exit 1; }
grep -q "left out 2 files git does not track" "$work/out" || { echo "FAIL: no note on the files left out" >&2; exit 1; }
git checkout -q HEAD -- services/sales.toml
pre-commit try-repo "$repo" nimbus-lint --all-files
pre-commit try-repo "$repo" nimbus-lint-build --all-files
rm draft.toml services/vip.toml

echo "pre-commit: hooks on a broken workspace"
sed -i '0,/parent = "contoso"/s//parent = "contosoo"/' org.toml
git add -A
if pre-commit try-repo "$repo" nimbus-lint --all-files >"$work/out" 2>&1; then
  cat "$work/out"
  echo "FAIL: the nimbus-lint hook passed on a broken workspace" >&2
  exit 1
fi
cat "$work/out"
grep -q "unknown-reference" "$work/out" || { echo "FAIL: the diagnostic is not shown" >&2; exit 1; }

echo "pre-commit: build hook on a stale bundle"
git checkout -q HEAD -- org.toml
sed -i 's/name = "Sales Team"/name = "Sales Crew"/' services/sales.toml
git add -A
if pre-commit try-repo "$repo" nimbus-lint-build --all-files >"$work/out" 2>&1; then
  cat "$work/out"
  echo "FAIL: the build hook passed on a stale bundle" >&2
  exit 1
fi
cat "$work/out"
grep -q "bundle is stale" "$work/out" || { echo "FAIL: the stale bundle is not reported" >&2; exit 1; }
echo "pre-commit: the README's configuration catches a deleted file that others reference"
git checkout -q HEAD -- services/sales.toml
cat >.pre-commit-config.yaml <<YAML
repos:
  - repo: $repo
    rev: $(git -C "$repo" rev-parse HEAD)
    hooks:
      - id: nimbus-lint
        args: [.]
        pass_filenames: false
        always_run: true
      - id: nimbus-lint-build
        args: [.]
YAML
git add .pre-commit-config.yaml
pre-commit run
git -c user.email=ci@example.com -c user.name=ci commit -qm "hooks"
git rm -q twilio.toml
if pre-commit run >"$work/out" 2>&1; then
  cat "$work/out"
  echo "FAIL: the hooks passed a commit that deletes a referenced file" >&2
  exit 1
fi
cat "$work/out"
grep -q "unknown-reference" "$work/out" || { echo "FAIL: the broken reference is not shown" >&2; exit 1; }
echo "pre-commit: ok"
