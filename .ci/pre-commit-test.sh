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

# Runs the command that follows, which must fail (else the script fails, saying "FAIL: WHY"),
# and shows its output, kept in "$work/out" for `shown`.
must_fail() {
  local why="$1"
  shift
  if "$@" >"$work/out" 2>&1; then
    cat "$work/out"
    echo "FAIL: $why" >&2
    exit 1
  fi
  cat "$work/out"
}
# The last `must_fail` run's output holds PATTERN, else the script fails, saying "FAIL: WHAT".
shown() {
  grep -q "$1" "$work/out" || { echo "FAIL: $2" >&2; exit 1; }
}

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
must_fail "a service defined only in an untracked file made the commit pass" pre-commit try-repo "$repo" nimbus-lint --all-files
shown 'unknown service `vip-desk`' "the broken transfer is not shown"
shown "left out 2 files git does not track" "no note on the files left out"
git checkout -q HEAD -- services/sales.toml
pre-commit try-repo "$repo" nimbus-lint --all-files
pre-commit try-repo "$repo" nimbus-lint-build --all-files
rm draft.toml services/vip.toml

echo "pre-commit: hooks on a broken workspace"
sed -i '0,/parent = "contoso"/s//parent = "contosoo"/' org.toml
git add -A
must_fail "the nimbus-lint hook passed on a broken workspace" pre-commit try-repo "$repo" nimbus-lint --all-files
shown "unknown-reference" "the diagnostic is not shown"

echo "pre-commit: build hook on a stale bundle"
git checkout -q HEAD -- org.toml
sed -i 's/name = "Sales Team"/name = "Sales Crew"/' services/sales.toml
git add -A
must_fail "the build hook passed on a stale bundle" pre-commit try-repo "$repo" nimbus-lint-build --all-files
shown "bundle is stale" "the stale bundle is not reported"

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
must_fail "the hooks passed a commit that deletes a referenced file" pre-commit run
shown "unknown-reference" "the broken reference is not shown"
echo "pre-commit: ok"
