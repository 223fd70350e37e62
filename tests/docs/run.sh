#!/bin/bash
# tests/docs/run.sh [BINARY] — tests of the documentation and shell completions:
#   - scripts/gen-docs.sh --check: nothing generated from the option table is
#     out of date, and the check notices drift (edited output, a new option,
#     a new command);
#   - the man pages pass `mandoc -T lint -W warning`, render with `man -l`,
#     have the usual sections and document every option of their command;
#   - the bash, zsh and fish completions, run for real, complete commands,
#     each command's options, the values of options with choices, and files;
#   - make install / make uninstall into a DESTDIR.
# BINARY (default ./geoembed) is the geoembed under test; make install is run
# with BUILD set to its directory when it lies in the source tree. Prints "ok NAME" or
# "FAIL NAME" per test and ends with "N passed, N failed"; exits 1 on failure.
set -u

bin=${1:-./geoembed}
case $bin in
/*) ;;
*) bin=$PWD/$bin ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1

pass=0
fail=0
ok() {
    echo "ok $1"
    pass=$((pass + 1))
}
not_ok() {
    echo "FAIL $1"
    if [ -n "${2-}" ]; then printf '%s\n' "$2" | sed -n '1,30s/^/    /p'; fi
    fail=$((fail + 1))
}
# t NAME COMMAND...: ok when COMMAND succeeds; its output is shown on failure.
t() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$out"; fi
}
# same NAME GOT WANT: the two whitespace-separated lists hold the same words.
same() {
    local got want
    got=$(printf '%s\n' $2 | sort -u | tr '\n' ' ')
    want=$(printf '%s\n' $3 | sort -u | tr '\n' ' ')
    if [ "$got" = "$want" ]; then ok "$1"; else not_ok "$1" "got:  $got
want: $want"; fi
}
# section OUTPUT LINE: the replies printed under "### LINE".
section() {
    awk -v l="### $2" '$0 == l { on = 1; next } /^### / { on = 0 } on' <<<"$1"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/geoembed-docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Files for file-name completion.
mkdir -p "$tmp/files/sub"
: >"$tmp/files/a.csv"
: >"$tmp/files/b.gem"

if [ ! -x "$bin" ]; then
    not_ok "binary" "$bin: not an executable"
    echo "$pass passed, $fail failed"
    exit 1
fi

# ------------------------------------------------------------ the option table
"$bin" --list-options >"$tmp/table"
commands=$("$bin" --help | awk '/^commands:/ { on = 1; next } on && /^[ \t]*$/ { exit }
    on && /^  [a-z]/ { print $1 }' | tr '\n' ' ')
commands=${commands% }
options_of() { awk -F '\t' -v c="$1" '$1 == c { print $2 }' "$tmp/table"; }
# "CMD<TAB>OPTION<TAB>CHOICES" for options with choices.
awk -F '\t' -v cl=" $commands " 'index(cl, " " $1 " ") && $5 != "" { print $1 "\t" $2 "\t" $5 }' \
    "$tmp/table" >"$tmp/choices"
if [ -n "$commands" ] && [ -s "$tmp/table" ]; then
    ok "option-table"
else
    not_ok "option-table" "commands: '$commands'"
fi

# ------------------------------------------------------------------ gen-docs
t gen-docs-check sh scripts/gen-docs.sh --check "$bin"

# A scratch copy of what gen-docs.sh reads and writes.
scratch() {
    rm -rf "$tmp/s"
    mkdir -p "$tmp/s/scripts"
    cp scripts/gen-docs.sh "$tmp/s/scripts/"
    cp -R man completions "$tmp/s/"
}

scratch
printf 'hand edit\n' >>"$tmp/s/completions/geoembed.bash"
awk '{ print } /^\.\\" BEGIN GENERATED options/ { print ".TP\n\\fB\\-\\-gone\\fR\nan option that no longer exists" }' \
    man/geoembed-info.1 >"$tmp/s/man/geoembed-info.1"
if sh "$tmp/s/scripts/gen-docs.sh" --check "$bin" >"$tmp/out" 2>&1; then
    not_ok gen-docs-detects-edits "--check passed on edited files"
elif grep -q 'completions/geoembed.bash' "$tmp/out" && grep -q 'man/geoembed-info.1' "$tmp/out"; then
    ok gen-docs-detects-edits
else
    not_ok gen-docs-detects-edits "$(cat "$tmp/out")"
fi
sh "$tmp/s/scripts/gen-docs.sh" "$bin" >/dev/null 2>&1
t gen-docs-repairs diff -r "$tmp/s/man" man
t gen-docs-repairs-completions diff -r "$tmp/s/completions" completions

# A binary whose table has one more option (with an alias) and which offers
# one more command: what happens when developers extend the table.
cat >"$tmp/fake" <<EOF
#!/bin/sh
real='$bin'
case "\$1 \${2-}" in
"--list-options ")
    "\$real" --list-options
    printf 'fit\t--zz-new-option\t1\tN\t\ta new option\n'
    printf 'fit\t-zz\t1\tN\t\t\n'
    printf 'zzcmd\t--help\t0\t\t\tshow this help and exit\n'
    printf 'zzcmd\t-h\t0\t\t\t\n'
    printf 'zzcmd\t--zz-level\t1\tLEVEL\tlow high\thow much\n'
    printf 'zzcmd\t--output\t1\tFILE\t\twhere to write\n'
    ;;
"--help ")
    "\$real" --help | sed '/^  info /a\\
  zzcmd     a command added by the tests'
    ;;
"help zzcmd")
    printf 'usage: geoembed zzcmd INPUT [--zz-level LEVEL]\n\na command added by the tests.\n'
    ;;
*) exec "\$real" "\$@" ;;
esac
EOF
chmod +x "$tmp/fake"
scratch
if sh "$tmp/s/scripts/gen-docs.sh" --check "$tmp/fake" >"$tmp/out" 2>&1; then
    not_ok gen-docs-detects-table-change "--check passed with a changed table"
elif grep -q 'geoembed-zzcmd.1: missing' "$tmp/out" && grep -q 'geoembed-fit.1: out of date' "$tmp/out"; then
    ok gen-docs-detects-table-change
else
    not_ok gen-docs-detects-table-change "$(cat "$tmp/out")"
fi
t gen-docs-regenerates sh "$tmp/s/scripts/gen-docs.sh" "$tmp/fake"
t gen-docs-check-after-regenerate sh "$tmp/s/scripts/gen-docs.sh" --check "$tmp/fake"
t gen-docs-new-option-in-man grep -q '^\\fB\\-\\-zz\\-new\\-option\\fR \\fIN\\fR, \\fB\\-zz\\fR \\fIN\\fR$' \
    "$tmp/s/man/geoembed-fit.1"
t gen-docs-new-command-page test -f "$tmp/s/man/geoembed-zzcmd.1"
t gen-docs-new-command-options grep -q '^\\fB\\-\\-zz\\-level\\fR \\fILEVEL\\fR$' "$tmp/s/man/geoembed-zzcmd.1"
t gen-docs-new-command-listed grep -q '^\.BR geoembed\\-zzcmd (1)' "$tmp/s/man/geoembed.1"
t gen-docs-new-command-lint mandoc -T lint -W warning "$tmp/s/man/geoembed-zzcmd.1" "$tmp/s/man/geoembed.1"
out=$(cd "$tmp/files" && bash "$here/bash-complete.sh" "$tmp/s/completions/geoembed.bash" \
    'geoembed zz' 'geoembed fit --zz' 'geoembed fit -zz' 'geoembed zzcmd --zz-level ' \
    'geoembed zzcmd --output ' 2>&1)
same gen-docs-new-command-bash "$(section "$out" 'geoembed zz')" "zzcmd"
same gen-docs-new-option-bash "$(section "$out" 'geoembed fit --zz')" "--zz-new-option"
same gen-docs-new-alias-bash "$(section "$out" 'geoembed fit -zz')" "-zz"
same gen-docs-new-choices-bash "$(section "$out" 'geoembed zzcmd --zz-level ')" "low high"
same gen-docs-new-file-option-bash "$(section "$out" 'geoembed zzcmd --output ')" "a.csv b.gem sub"

# ----------------------------------------------------------------- man pages
pages="man/geoembed.1"
for c in $commands; do pages="$pages man/geoembed-$c.1"; done
missing=
for p in $pages; do [ -f "$p" ] || missing="$missing $p"; done
if [ -z "$missing" ]; then ok man-pages-exist; else not_ok man-pages-exist "missing:$missing"; fi

out=$(mandoc -T lint -W warning man/*.1 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then ok mandoc-lint; else not_ok mandoc-lint "$out"; fi

for p in $pages; do
    [ -f "$p" ] || continue
    name=$(basename "$p" .1)
    text=$(MANWIDTH=200 man -l "$p" 2>"$tmp/err")
    if [ $? -eq 0 ] && [ ! -s "$tmp/err" ] && [ -n "$text" ]; then
        ok "man-render-$name"
    else
        not_ok "man-render-$name" "$(cat "$tmp/err")"
    fi
    missing=
    for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
        grep -q "^$s\$" <<<"$text" || missing="$missing [$s]"
    done
    if [ -z "$missing" ]; then ok "man-sections-$name"; else not_ok "man-sections-$name" "missing:$missing"; fi
    c=${name#geoembed-}
    [ "$c" = geoembed ] && continue
    missing=
    for o in $(options_of "$c"); do
        grep -q -- "^ *\(.*, \)\{0,1\}$o\( \|,\|$\)" <<<"$text" || missing="$missing $o"
    done
    if [ -z "$missing" ]; then ok "man-options-$name"; else not_ok "man-options-$name" "undocumented:$missing"; fi
done

# ---------------------------------------------------------------------- bash
lines=('geoembed f' 'geoembed ' 'geoembed -' 'geoembed help ' 'geoembed fit --lo'
    'geoembed fit --loss ' 'geoembed fit --loss=m' 'geoembed fit --loss=' 'geoembed info '
    'geoembed fit a.csv -o b' 'geoembed fit --x ' 'geoembed fit --threads 4 --lo'
    'geoembed fit -- --l' 'geoembed predict b.gem -te 1 2 ' 'geoembed predict b.gem -te 1 2 3 4 ')
for c in $commands; do lines+=("geoembed $c -"); done
while IFS=$'\t' read -r c o ch; do lines+=("geoembed $c $o "); done <"$tmp/choices"

if out=$(bash -c 'source /usr/share/bash-completion/bash_completion; source "$1"; complete -p geoembed' \
    bash completions/geoembed.bash 2>&1) && [[ $out == *"-F _geoembed geoembed"* ]]; then
    ok bash-registered
else
    not_ok bash-registered "$out"
fi
out=$(cd "$tmp/files" && bash "$here/bash-complete.sh" "$root/completions/geoembed.bash" "${lines[@]}" 2>&1)
if grep -q '^### ' <<<"$out"; then ok bash-runs; else not_ok bash-runs "$out"; fi
same bash-command "$(section "$out" 'geoembed f')" "fill fit"
same bash-commands "$(section "$out" 'geoembed ')" "$commands help"
same bash-global-options "$(section "$out" 'geoembed -')" "--help -h --version"
same bash-help-topic "$(section "$out" 'geoembed help ')" "$commands"
same bash-option "$(section "$out" 'geoembed fit --lo')" "--loss"
same bash-choices "$(section "$out" 'geoembed fit --loss ')" "l1 mse huber"
same bash-choices-equals "$(section "$out" 'geoembed fit --loss=m')" "mse"
same bash-choices-equals-empty "$(section "$out" 'geoembed fit --loss=')" "l1 mse huber"
same bash-positional-files "$(section "$out" 'geoembed info ')" "a.csv b.gem sub"
same bash-option-file "$(section "$out" 'geoembed fit a.csv -o b')" "b.gem"
same bash-option-no-values "$(section "$out" 'geoembed fit --x ')" ""
same bash-after-value "$(section "$out" 'geoembed fit --threads 4 --lo')" "--loss"
same bash-after-double-dash "$(section "$out" 'geoembed fit -- --l')" ""
if [ -n "$(options_of predict | grep -x -- -te)" ]; then
    same bash-multi-value "$(section "$out" 'geoembed predict b.gem -te 1 2 ')" ""
    same bash-after-multi-value "$(section "$out" 'geoembed predict b.gem -te 1 2 3 4 ')" "a.csv b.gem sub"
fi
for c in $commands; do
    same "bash-options-$c" "$(section "$out" "geoembed $c -")" "$(options_of "$c")"
done
while IFS=$'\t' read -r c o ch; do
    same "bash-values-$c$o" "$(section "$out" "geoembed $c $o ")" "$ch"
done <"$tmp/choices"

# ----------------------------------------------------------------------- zsh
t zsh-syntax zsh -n completions/_geoembed
t zsh-compdef zsh -f -c 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -D
    [[ $_comps[geoembed] == _geoembed ]] || { print "geoembed is not registered: ${_comps[geoembed]-none}"; exit 1 }
    autoload +X _geoembed 2>/dev/null; (( $+functions[_geoembed] )) || { print "_geoembed not defined"; exit 1 }' \
    zsh "$root/completions"
# The option and choice lists inside the function.
missing=
for c in $commands; do
    body=$(awk -v f="_geoembed_$c()" '$0 == f { on = 1; next } on && /^}/ { exit } on' completions/_geoembed)
    for o in $(options_of "$c"); do
        grep -q -- "[{,')]${o}[=,}'[]" <<<"$body" || missing="$missing $c:$o"
    done
done
while IFS=$'\t' read -r c o ch; do
    awk -v f="_geoembed_$c()" '$0 == f { on = 1; next } on && /^}/ { exit } on' completions/_geoembed |
        grep -- "[{,')]${o}[=,}'[]" | grep -qF -- ":($ch)'" || missing="$missing $c:$o($ch)"
done <"$tmp/choices"
if [ -z "$missing" ]; then ok zsh-lists; else not_ok zsh-lists "not in _geoembed:$missing"; fi

zlines=('geoembed f' 'geoembed ' 'geoembed -' 'geoembed help ' 'geoembed fit --lo'
    'geoembed fit --loss ' 'geoembed fit --loss=m' 'geoembed info ' 'geoembed fit a.csv -o b'
    'geoembed fit --threads 4 --lo')
for c in $commands; do zlines+=("geoembed $c -"); done
while IFS=$'\t' read -r c o ch; do zlines+=("geoembed $c $o "); done <"$tmp/choices"
out=$(cd "$tmp/files" && zsh -f "$here/zsh-complete.zsh" "$root/completions" "${zlines[@]}" 2>&1)
if grep -q '^### ' <<<"$out"; then ok zsh-runs; else not_ok zsh-runs "$out"; fi
same zsh-command "$(section "$out" 'geoembed f')" "fill fit"
same zsh-commands "$(section "$out" 'geoembed ')" "$commands help"
same zsh-global-options "$(section "$out" 'geoembed -')" "--help -h --version"
same zsh-help-topic "$(section "$out" 'geoembed help ')" "$commands"
same zsh-option "$(section "$out" 'geoembed fit --lo')" "--loss"
same zsh-choices "$(section "$out" 'geoembed fit --loss ')" "l1 mse huber"
same zsh-choices-equals "$(section "$out" 'geoembed fit --loss=m')" "mse"
same zsh-positional-files "$(section "$out" 'geoembed info ')" "a.csv b.gem sub"
same zsh-option-file "$(section "$out" 'geoembed fit a.csv -o b')" "b.gem"
same zsh-after-value "$(section "$out" 'geoembed fit --threads 4 --lo')" "--loss"
for c in $commands; do
    same "zsh-options-$c" "$(section "$out" "geoembed $c -")" "$(options_of "$c")"
done
while IFS=$'\t' read -r c o ch; do
    same "zsh-values-$c$o" "$(section "$out" "geoembed $c $o ")" "$ch"
done <"$tmp/choices"

# ---------------------------------------------------------------------- fish
t fish-syntax fish --no-execute completions/geoembed.fish
fc() {
    (cd "$tmp/files" && LINE=$1 fish --no-config -c 'source $argv[1]; complete -C "$LINE"' \
        "$root/completions/geoembed.fish" 2>&1 | cut -f1)
}
same fish-command "$(fc 'geoembed f')" "fill fit"
same fish-commands "$(fc 'geoembed ')" "$commands help"
same fish-global-options "$(fc 'geoembed -')" "--help -h --version"
same fish-help-topic "$(fc 'geoembed help ')" "$commands"
same fish-option "$(fc 'geoembed fit --lo')" "--loss"
same fish-choices "$(fc 'geoembed fit --loss ')" "l1 mse huber"
same fish-choices-equals "$(fc 'geoembed fit --loss=m')" "--loss=mse"
same fish-positional-files "$(fc 'geoembed info ')" "a.csv b.gem sub/"
same fish-option-file "$(fc 'geoembed fit a.csv -o b')" "b.gem"
same fish-option-no-values "$(fc 'geoembed fit --x ')" ""
for c in $commands; do
    same "fish-options-$c" "$(fc "geoembed $c -")" "$(options_of "$c")"
done
while IFS=$'\t' read -r c o ch; do
    same "fish-values-$c$o" "$(fc "geoembed $c $o ")" "$ch"
done <"$tmp/choices"

# ------------------------------------------------------ make install/uninstall
# $MAKE: the make that runs this test when it runs from the Makefile.
make=${MAKE:-make}
dest=$tmp/dest
mkdir -p "$dest"
build=
case $bin in
"$root"/geoembed) ;;
"$root"/*/geoembed) build=${bin#"$root"/} && build=${build%/geoembed} ;;
esac
if $make -s -C "$root" install PREFIX=/usr DESTDIR="$dest" ${build:+BUILD=$build} >"$tmp/log" 2>&1; then
    ok make-install
else
    not_ok make-install "$(cat "$tmp/log")"
fi
want="usr/bin/geoembed usr/share/man/man1/geoembed.1"
for c in $commands; do want="$want usr/share/man/man1/geoembed-$c.1"; done
want="$want usr/share/bash-completion/completions/geoembed usr/share/zsh/site-functions/_geoembed"
want="$want usr/share/fish/vendor_completions.d/geoembed.fish"
same install-tree "$(cd "$dest" && find . ! -type d | sed 's|^\./||')" "$want"
t install-binary-runs "$dest/usr/bin/geoembed" --version
t install-binary-is-the-one-tested cmp "$bin" "$dest/usr/bin/geoembed"
bad=
for p in man/*.1; do cmp -s "$p" "$dest/usr/share/man/man1/${p#man/}" || bad="$bad $p"; done
cmp -s completions/geoembed.bash "$dest/usr/share/bash-completion/completions/geoembed" || bad="$bad bash"
cmp -s completions/_geoembed "$dest/usr/share/zsh/site-functions/_geoembed" || bad="$bad zsh"
cmp -s completions/geoembed.fish "$dest/usr/share/fish/vendor_completions.d/geoembed.fish" || bad="$bad fish"
if [ -z "$bad" ]; then ok install-contents; else not_ok install-contents "differ:$bad"; fi
t install-man-renders env MANPATH="$dest/usr/share/man" man -w geoembed-fit
if $make -s -C "$root" uninstall PREFIX=/usr DESTDIR="$dest" >"$tmp/log" 2>&1; then
    ok make-uninstall
else
    not_ok make-uninstall "$(cat "$tmp/log")"
fi
left=$(cd "$dest" && find . ! -type d)
if [ -z "$left" ]; then ok uninstall-leaves-no-files; else not_ok uninstall-leaves-no-files "$left"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
