#!/bin/sh
# gen-docs.sh — regenerate the parts of the documentation that come from the
# option table, so that man pages, shell completions and the parser cannot
# drift apart.
#
#   scripts/gen-docs.sh BINARY            rewrite what is out of date
#   scripts/gen-docs.sh --check BINARY    change nothing; exit 1 if anything
#                                         is out of date (used by the tests)
#
# BINARY is a built geoembed. Its `--list-options` prints the option table, one
# tab-separated line per (command, option):
#
#   COMMAND  OPTION  NARGS  METAVAR  CHOICES  HELP
#
# An empty HELP marks an alias (-o, -te, -of, ...); it belongs to the nearest
# documented option above it for the same command. An alias without CHOICES
# inherits its long form's. Its `--help` lists the commands that exist: options
# of commands the table already knows but the program does not offer yet are
# left out, and appear by themselves once the command is added.
#
# Generated here:
#   man/geoembed.1          between the GENERATED markers: COMMANDS (the command
#                           list), OPTIONS (options every command takes) and the
#                           command pages in SEE ALSO
#   man/geoembed-CMD.1      between the GENERATED markers: OPTIONS. A command
#                           without a page gets a skeleton page to fill in.
#   completions/geoembed.bash, completions/_geoembed (zsh),
#   completions/geoembed.fish: wholly generated.
#
# Everything outside the markers is written by hand and left alone. A marker
# pair looks like
#   .\" BEGIN GENERATED options ...
#   .\" END GENERATED options
#
# Value completion: CHOICES give the values; a METAVAR of FILE, MODEL, OUT,
# PATH or ending in FILE completes file names (DIR: directories); any other
# METAVAR completes nothing. An option whose HELP says "repeatable" may be
# given more than once (zsh).
set -eu

LC_ALL=C
export LC_ALL

prog=gen-docs.sh
die() {
    echo "$prog: $*" >&2
    exit 1
}

check=0
case ${1-} in
--check) check=1; shift ;;
-h | --help)
    sed -n '2,/^set -eu/{/^#/s/^# \{0,1\}//p}' "$0"
    exit 0
    ;;
esac
[ $# -eq 1 ] || die "usage: scripts/gen-docs.sh [--check] BINARY"
bin=$1
[ -x "$bin" ] && [ -f "$bin" ] || die "$bin: not an executable (build it first: make)"
case $bin in
/*) ;;
*) bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin") ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gen-docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$bin" --list-options >"$tmp/table" || die "$bin --list-options failed"
"$bin" --help >"$tmp/help" || die "$bin --help failed"
[ -s "$tmp/table" ] || die "$bin --list-options printed nothing"

# The commands the program offers, with their one-line summaries:
# "NAME<TAB>SUMMARY" from the "commands:" block of --help.
awk '
    /^commands:/ { on = 1; next }
    on && /^[ \t]*$/ { exit }
    on && /^  [a-z][a-z0-9-]* / {
        name = $1
        sub(/^  [a-z][a-z0-9-]*[ ]+/, "")
        printf "%s\t%s\n", name, $0
    }
' "$tmp/help" >"$tmp/commands"
[ -s "$tmp/commands" ] || die "$bin --help lists no commands"
commands=$(cut -f1 "$tmp/commands" | tr '\n' ' ' | sed 's/ $//')

# The usage lines of each command, from `BINARY help CMD`.
for c in $commands; do
    "$bin" help "$c" >"$tmp/help-$c" || die "$bin help $c failed"
    awk '
        /^usage: geoembed / { sub(/^usage: geoembed /, ""); print; on = 1; next }
        on && /^       geoembed / { sub(/^ *geoembed /, ""); print; next }
        on { exit }
    ' "$tmp/help-$c" >"$tmp/usage-$c"
    [ -s "$tmp/usage-$c" ] || die "$bin help $c: no usage line"
done

# ---------------------------------------------------------------------------
# The resolved table: the options of the commands that exist, each row
#   CMD NAME NARGS METAVAR CHOICES HELP OWNER KIND REPEAT
# OWNER is the documented long form (the option itself unless an alias), KIND
# one of flag, choice, file, dir, none; REPEAT 1 for a repeatable option.
awk -F '\t' -v OFS='\t' -v commands="$commands" '
    function bad(msg) {
        printf "gen-docs.sh: --list-options line %d: %s\n", NR, msg > "/dev/stderr"
        err = 1
        exit 1
    }
    BEGIN {
        n = split(commands, c, " ")
        for (i = 1; i <= n; i++) offered[c[i]] = 1
    }
    {
        if (NF != 6) bad("expected 6 tab-separated fields, got " NF)
        cmd = $1; name = $2; nargs = $3; metavar = $4; choices = $5; help = $6
        if (cmd !~ /^[a-z][a-z0-9-]*$/) bad("bad command name \"" cmd "\"")
        if (name !~ /^--?[A-Za-z0-9][A-Za-z0-9_-]*$/) bad("bad option name \"" name "\"")
        if (nargs !~ /^[0-9]+$/) bad("NARGS is not a number: \"" nargs "\"")
        if (nargs > 0 && metavar == "") bad(name " takes a value but has no METAVAR")
        if (metavar !~ /^[A-Za-z0-9_.,=\[\] -]*$/) bad(name ": unexpected characters in METAVAR \"" metavar "\"")
        if (choices !~ /^[A-Za-z0-9_.,:+=\/ -]*$/) bad(name ": unexpected characters in CHOICES \"" choices "\"")
        if (!(cmd in offered)) next
        if (help != "") {
            owner = name
            last[cmd] = name
            onargs[cmd, name] = nargs
            ochoices[cmd, name] = choices
        } else {
            if (!(cmd in last)) bad("alias " name " of " cmd " follows no documented option")
            owner = last[cmd]
            if (choices == "" && nargs == onargs[cmd, owner]) choices = ochoices[cmd, owner]
        }
        if (nargs == 0) kind = "flag"
        else if (choices != "") kind = "choice"
        else if (metavar ~ /^(FILE|MODEL|OUT|PATH)$/ || metavar ~ /FILE$/) kind = "file"
        else if (metavar == "DIR") kind = "dir"
        else kind = "none"
        rep = help ~ /repeatable/ ? 1 : 0
        if ((cmd, name) in seen) bad(name " is listed twice for " cmd)
        seen[cmd, name] = 1
        print cmd, name, nargs, metavar, choices, help, owner, kind, rep
        got[cmd] = 1
    }
    END {
        if (err) exit 1
        for (i = 1; i <= n; i++)
            if (!(c[i] in got)) {
                printf "gen-docs.sh: command %s has no options in --list-options\n", c[i] > "/dev/stderr"
                exit 1
            }
    }
' "$tmp/table" >"$tmp/resolved" || exit 1

# Repeatable owners propagate to their aliases.
awk -F '\t' -v OFS='\t' '
    NR == FNR { if ($9) rep[$1, $2] = 1; next }
    { if (($1, $7) in rep) $9 = 1; print }
' "$tmp/resolved" "$tmp/resolved" >"$tmp/resolved2"
mv "$tmp/resolved2" "$tmp/resolved"

# ---------------------------------------------------------------------------
# roff helpers shared by the man page generators (awk functions).
ROFF_AWK='
    # Plain text to roff: backslashes escaped, option names bold with real
    # minus signs, a lone "-" a minus sign, no line starting with a control
    # character. Hyphens inside words ("360-degree") stay hyphens.
    function roff(s,    out, i, ch, prev, tok) {
        gsub(/\\/, "\\e", s)
        out = ""; prev = " "
        for (i = 1; i <= length(s); i++) {
            ch = substr(s, i, 1)
            if (ch == "-" && index(" ([/,\"", prev) > 0) {
                tok = substr(s, i)
                if (match(tok, /^--?[A-Za-z][A-Za-z0-9_-]*/)) {
                    tok = substr(tok, 1, RLENGTH)
                    i += RLENGTH - 1
                    gsub(/-/, "\\-", tok)
                    out = out "\\fB" tok "\\fR"
                    prev = "x"
                    continue
                }
                out = out "\\-"
                prev = "-"
                continue
            }
            out = out ch
            prev = ch
        }
        ch = substr(out, 1, 1)
        if (ch == "." || ch == "\047") out = "\\&" out
        return out
    }
    function optname(s) { gsub(/-/, "\\-", s); return "\\fB" s "\\fR" }
    function metavar(s) { return s == "" ? "" : " \\fI" s "\\fR" }
    # A usage line ("fit INPUT -o MODEL [options]") in roff: options bold,
    # upper-case placeholders italic.
    function usage(s,    n, w, i, out, pre, core, post) {
        n = split(s, w, " ")
        out = "\\fBgeoembed\\fR"
        for (i = 1; i <= n; i++) {
            pre = ""; post = ""; core = w[i]
            while (core ~ /^\[/) { pre = pre "["; core = substr(core, 2) }
            while (core ~ /\]$/) { post = "]" post; core = substr(core, 1, length(core) - 1) }
            if (i == 1) core = "\\fB" core "\\fR"
            else if (core ~ /^-/) core = optname(core)
            else if (core ~ /^[A-Z][A-Z0-9_,.]*$/ || core == "options") core = "\\fI" core "\\fR"
            out = out " " pre core post
        }
        return out
    }
'

# The OPTIONS fragment of one command (or of every command: CMD = "*").
gen_options() {
    awk -F '\t' -v want="$1" -v commands="$commands" "$ROFF_AWK"'
        BEGIN { ncmd = split(commands, cl, " ") }
        {
            row[NR] = $0
            key = $1 SUBSEP $2
            if ($6 != "") { sig[key] = $3 "\t" $4 "\t" $6 }
        }
        END {
            # Candidate documented options, in table order, of the first
            # command (want = "*") or of the wanted command.
            first = want == "*" ? cl[1] : want
            for (r = 1; r <= NR; r++) {
                split(row[r], f, "\t")
                if (f[1] != first || f[6] == "") continue
                if (want == "*") {
                    common = 1
                    for (i = 2; i <= ncmd; i++)
                        if (!((cl[i], f[2]) in sig) || sig[cl[i], f[2]] != sig[first, f[2]]) common = 0
                    if (!common) continue
                }
                tag = optname(f[2]) metavar(f[4])
                for (a = 1; a <= NR; a++) {
                    split(row[a], g, "\t")
                    if (g[1] == first && g[6] == "" && g[7] == f[2])
                        tag = tag ", " optname(g[2]) metavar(g[4])
                }
                print ".TP"
                print tag
                print roff(f[6])
            }
        }
    ' "$tmp/resolved"
}

# The COMMANDS fragment of geoembed.1.
gen_commands() {
    awk -F '\t' "$ROFF_AWK"'
        {
            s = $2
            s = toupper(substr(s, 1, 1)) substr(s, 2)
            print ".TP"
            print "\\fB" $1 "\\fR"
            print roff(s) "; see"
            print ".BR geoembed\\-" $1 " (1)."
        }
    ' "$tmp/commands"
}

# The command pages in SEE ALSO of geoembed.1 (the hand-written list goes on).
gen_seealso() {
    for c in $commands; do
        printf '.BR geoembed\\-%s (1),\n' "$c"
    done
}

# A new page for a command that has none yet.
gen_skeleton() {
    c=$1
    up=$(echo "geoembed-$c" | tr '[:lower:]' '[:upper:]')
    summary=$(awk -F '\t' -v c="$c" '$1 == c { print $2 }' "$tmp/commands")
    printf '.\\" geoembed-%s(1): written by hand, except between the GENERATED markers.\n' "$c"
    printf '.TH %s 1 %s geoembed "User Commands"\n' "$(echo "$up" | sed 's/-/\\-/g')" "$(date -u +%Y-%m-%d)"
    printf '.SH NAME\ngeoembed\\-%s \\- %s\n' "$c" "$summary"
    printf '.SH SYNOPSIS\n'
    awk "$ROFF_AWK"'{ if (NR > 1) print ".br"; print usage($0) }' "$tmp/usage-$c"
    printf '.SH DESCRIPTION\n'
    echo "$summary" | awk "$ROFF_AWK"'{ s = toupper(substr($0, 1, 1)) substr($0, 2); print roff(s) "." }'
    printf '.SH OPTIONS\n'
    printf '.\\" BEGIN GENERATED options: scripts/gen-docs.sh writes this part from geoembed --list-options\n'
    printf '.\\" END GENERATED options\n'
    printf '.SH EXIT STATUS\n.TP\n.B 0\nSuccess.\n.TP\n.B 1\nRuntime failure.\n.TP\n.B 2\nUsage error.\n'
    printf '.SH SEE ALSO\n.BR geoembed (1)\n'
}

# Replaces the text between the markers NAME in FILE with FRAGMENT, to stdout.
splice() {
    awk -v name="$2" -v frag="$3" -v file="$1" '
        function fail(msg) { printf "gen-docs.sh: %s: %s\n", file, msg > "/dev/stderr"; bad = 1; exit 1 }
        $0 ~ "^\\.\\\\\" BEGIN GENERATED " name "([: ]|$)" {
            if (state != 0) fail("marker BEGIN GENERATED " name " twice")
            print
            while ((getline line < frag) > 0) print line
            close(frag)
            state = 1
            next
        }
        $0 ~ "^\\.\\\\\" END GENERATED " name "([: ]|$)" {
            if (state != 1) fail("END GENERATED " name " without BEGIN")
            state = 2
            print
            next
        }
        state != 1 { print }
        END {
            if (bad) exit 1
            if (state == 0) fail("no marker \".\\\" BEGIN GENERATED " name "\"")
            if (state == 1) fail("no marker \".\\\" END GENERATED " name "\"")
        }
    ' "$1"
}

# ---------------------------------------------------------------------------
# Completions.

gen_bash() {
    cat <<'EOF'
# bash completion for geoembed                             -*- shell-script -*-
# Generated by scripts/gen-docs.sh from `geoembed --list-options`; do not edit.
# Installed as .../bash-completion/completions/geoembed; or source it.

EOF
    awk -F '\t' -v commands="$commands" '
        BEGIN { q = "\047"; ncmd = split(commands, cl, " ") }
        {
            n[$1]++; r[$1, n[$1]] = $0
        }
        END {
            print "# _geoembed_arg COMMAND OPTION: is OPTION an option of COMMAND? Sets"
            print "# _ge_n (values it takes), _ge_k (flag, choice, file, dir or none) and"
            print "# _ge_c (the choices)."
            print "_geoembed_arg()"
            print "{"
            print "    _ge_n=0 _ge_k=flag _ge_c="
            print "    case $1 in"
            for (i = 1; i <= ncmd; i++) {
                c = cl[i]
                print "    " c ")"
                print "        case $2 in"
                ng = 0
                for (j = 1; j <= n[c]; j++) {
                    split(r[c, j], f, "\t")
                    key = f[3] "\t" f[8] "\t" f[5]
                    if (!(key in gi)) { gi[key] = ++ng; gk[ng] = key; gn[ng] = f[2] }
                    else gn[gi[key]] = gn[gi[key]] "|" f[2]
                }
                for (g = 1; g <= ng; g++) {
                    split(gk[g], k, "\t")
                    line = "            " gn[g] ")"
                    if (k[1] > 0) {
                        line = line " _ge_n=" k[1] " _ge_k=" k[2]
                        if (k[3] != "") line = line " _ge_c=" q k[3] q
                    }
                    print line " ;;"
                }
                print "            *) return 1 ;;"
                print "        esac"
                print "        ;;"
                delete gi
            }
            print "    *) return 1 ;;"
            print "    esac"
            print "}"
            print ""
            print "# _geoembed_options COMMAND: sets _ge_o to the options of COMMAND."
            print "_geoembed_options()"
            print "{"
            print "    case $1 in"
            for (i = 1; i <= ncmd; i++) {
                c = cl[i]
                line = ""
                for (j = 1; j <= n[c]; j++) {
                    split(r[c, j], f, "\t")
                    line = line (line == "" ? "" : " ") f[2]
                }
                print "    " c ") _ge_o=" q line q " ;;"
            }
            print "    *) return 1 ;;"
            print "    esac"
            print "}"
            print ""
            print "_geoembed_commands=" q commands q
        }
    ' "$tmp/resolved"
    cat <<'EOF'

_geoembed_files()
{
    if declare -F _filedir >/dev/null 2>&1; then
        _filedir "$@"
    else
        compopt -o filenames 2>/dev/null
        if [[ ${1-} == -d ]]; then
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
    fi
}

# Completes the value of the option last looked up by _geoembed_arg.
_geoembed_value()
{
    case $_ge_k in
    choice) COMPREPLY=($(compgen -W "$_ge_c" -- "$cur")) ;;
    file) _geoembed_files ;;
    dir) _geoembed_files -d ;;
    *) COMPREPLY=() ;;
    esac
}

_geoembed()
{
    local cur prev words cword split=false
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -s || return
    else
        COMPREPLY=()
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
    fi
    local _ge_n _ge_k _ge_c _ge_o

    if ((cword <= 1)); then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W '--help -h --version' -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$_geoembed_commands help" -- "$cur"))
        fi
        return
    fi
    local cmd=${words[1]}
    if [[ $cmd == help ]]; then
        ((cword == 2)) && COMPREPLY=($(compgen -W "$_geoembed_commands" -- "$cur"))
        return
    fi
    _geoembed_options "$cmd" || return

    # --option=VALUE
    if [[ $split == true ]]; then
        _geoembed_arg "$cmd" "$prev" && _geoembed_value
        return
    fi

    # Walk the words before the cursor: how many values does the last option
    # still expect, and has "--" ended the options?
    local i w need=0 opt= endopts=false
    for ((i = 2; i < cword; i++)); do
        w=${words[i]}
        if ((need > 0)); then
            ((need--))
            continue
        fi
        [[ $endopts == true ]] && continue
        if [[ $w == -- ]]; then
            endopts=true
        elif [[ $w == -?* && $w != --*=* ]] && _geoembed_arg "$cmd" "$w"; then
            need=$_ge_n opt=$w
        fi
    done
    if ((need > 0)); then
        _geoembed_arg "$cmd" "$opt"
        _geoembed_value
        return
    fi
    if [[ $endopts == false && $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$_ge_o" -- "$cur"))
        return
    fi
    _geoembed_files
}
complete -F _geoembed geoembed
EOF
}

gen_zsh() {
    cat <<'EOF'
#compdef geoembed
# zsh completion for geoembed.
# Generated by scripts/gen-docs.sh from `geoembed --list-options`; do not edit.
# Installed as .../zsh/site-functions/_geoembed (a directory in $fpath).

EOF
    awk -F '\t' -v commands="$commands" -v cmdfile="$tmp/commands" '
        function sq(s) { gsub(/\047/, "\047\\\047\047", s); return s }
        # Text inside [...] of an _arguments spec, or a message.
        function desc(s) { gsub(/\\/, "\\\\", s); gsub(/\[/, "\\[", s); gsub(/\]/, "\\]", s); gsub(/:/, "\\:", s); return sq(s) }
        function msg(s) { gsub(/\\/, "\\\\", s); gsub(/:/, "\\:", s); return sq(s) }
        # The :message:action pairs of an option taking nargs values.
        function args(nargs, metavar, kind, choices,    m, k, i, out, act) {
            if (kind == "choice") act = "(" choices ")"
            else if (kind == "file") act = "_files"
            else if (kind == "dir") act = "_files -/"
            else act = " "
            if (nargs == 1) return ":" msg(metavar) ":" act
            k = split(metavar, m, " ")
            out = ""
            for (i = 1; i <= nargs; i++) out = out ":" msg(i <= k ? m[i] : metavar) ":" act
            return out
        }
        BEGIN {
            q = "\047"; ncmd = split(commands, cl, " ")
            while ((getline line < cmdfile) > 0) {
                split(line, f, "\t")
                summary[f[1]] = f[2]
            }
        }
        { n[$1]++; r[$1, n[$1]] = $0 }
        END {
            print "_geoembed_commands()"
            print "{"
            print "    local -a commands"
            print "    commands=("
            for (i = 1; i <= ncmd; i++)
                print "        " q cl[i] ":" msg(summary[cl[i]]) q
            print "    )"
            print "    [[ ${1-} == --with-help ]] && commands+=(" q "help:show the options of a command" q ")"
            print "    _describe -t commands \"geoembed command\" commands"
            print "}"
            print ""
            for (i = 1; i <= ncmd; i++) {
                c = cl[i]
                print "_geoembed_" c "()"
                print "{"
                print "    _arguments -S : \\"
                for (j = 1; j <= n[c]; j++) {
                    split(r[c, j], f, "\t")
                    if (f[6] == "") continue
                    # The option and its aliases: those with the same value
                    # shape share one spec; the others get their own.
                    names = f[2]; same = f[2]
                    for (a = 1; a <= n[c]; a++) {
                        split(r[c, a], g, "\t")
                        if (g[6] != "" || g[7] != f[2]) continue
                        names = names " " g[2]
                        if (g[3] == f[3] && g[4] == f[4]) same = same " " g[2]
                    }
                    if (f[2] == "--help") excl = "(- *)"
                    else if (f[9]) excl = "*"
                    else excl = "(" names ")"
                    ns = split(same, s, " ")
                    spec = ""
                    for (a = 1; a <= ns; a++) {
                        nm = s[a]
                        if (f[3] > 0 && nm ~ /^--/) nm = nm "="
                        spec = spec (a > 1 ? "," : "") nm
                    }
                    if (ns > 1) spec = "{" spec "}"
                    d = "[" desc(f[6]) "]"
                    a2 = f[3] > 0 ? args(f[3], f[4], f[8], f[5]) : ""
                    print "        " q excl q spec q d a2 q " \\"
                    # aliases with another value shape (-te XMIN YMIN XMAX YMAX)
                    for (a = 1; a <= n[c]; a++) {
                        split(r[c, a], g, "\t")
                        if (g[6] != "" || g[7] != f[2] || (g[3] == f[3] && g[4] == f[4])) continue
                        a2 = g[3] > 0 ? args(g[3], g[4], g[8], g[5]) : ""
                        print "        " q excl g[2] d a2 q " \\"
                    }
                }
                print "        " q "*:file:_files" q
                print "}"
                print ""
            }
        }
    ' "$tmp/resolved"
    cat <<'EOF'
_geoembed()
{
    local curcontext=$curcontext state state_descr line ret=1
    typeset -A opt_args

    _arguments -C : \
        '(- *)'{-h,--help}'[show the overview and exit]' \
        '(- *)--version[print the version and exit]' \
        '1: :->command' \
        '*:: :->argument' && ret=0

    case $state in
    command)
        _geoembed_commands --with-help && ret=0
        ;;
    argument)
        curcontext=${curcontext%:*:*}:geoembed-$words[1]:
        if [[ $words[1] == help ]]; then
            _arguments ': :_geoembed_commands' && ret=0
        elif (( $+functions[_geoembed_$words[1]] )); then
            _geoembed_$words[1] && ret=0
        else
            _message "unknown command: $words[1]"
        fi
        ;;
    esac
    return ret
}

_geoembed "$@"
EOF
}

gen_fish() {
    cat <<'EOF'
# fish completion for geoembed.
# Generated by scripts/gen-docs.sh from `geoembed --list-options`; do not edit.
# Installed as .../fish/vendor_completions.d/geoembed.fish.

# True before the command word (geoembed <TAB>).
function __geoembed_no_command
    set -l toks (commandline -opc)
    test (count $toks) -eq 1
end

# True when the command word is one of the arguments.
function __geoembed_command_is
    set -l toks (commandline -opc)
    test (count $toks) -ge 2; and contains -- $toks[2] $argv
end

# True right after "geoembed help".
function __geoembed_help_topic
    set -l toks (commandline -opc)
    test (count $toks) -eq 2; and test "$toks[2]" = help
end

complete -c geoembed -f
complete -c geoembed -n __geoembed_no_command -s h -l help -d 'show the overview and exit'
complete -c geoembed -n __geoembed_no_command -l version -d 'print the version and exit'
complete -c geoembed -n __geoembed_no_command -a help -d 'show the options of a command'
EOF
    awk -F '\t' -v commands="$commands" -v cmdfile="$tmp/commands" '
        function sq(s) { gsub(/\\/, "\\\\", s); gsub(/\047/, "\\\047", s); return "\047" s "\047" }
        # "-o" short, "--output" long, "-te" old-style.
        function flagof(nm) {
            if (nm ~ /^--/) return " -l " substr(nm, 3)
            if (length(nm) == 2) return " -s " substr(nm, 2)
            return " -o " substr(nm, 2)
        }
        function valueof(kind, choices) {
            if (kind == "flag") return ""
            if (kind == "choice") return " -x -a " sq(choices)
            if (kind == "file") return " -r -F"
            if (kind == "dir") return " -x -a \"(__fish_complete_directories)\""
            return " -x"
        }
        BEGIN {
            ncmd = split(commands, cl, " ")
            while ((getline line < cmdfile) > 0) {
                split(line, f, "\t")
                summary[f[1]] = f[2]
            }
        }
        { n[$1]++; r[$1, n[$1]] = $0 }
        END {
            for (i = 1; i <= ncmd; i++)
                printf "complete -c geoembed -n __geoembed_no_command -a %s -d %s\n", cl[i], sq(summary[cl[i]])
            for (i = 1; i <= ncmd; i++)
                printf "complete -c geoembed -n __geoembed_help_topic -a %s -d %s\n", cl[i], sq(summary[cl[i]])
            for (i = 1; i <= ncmd; i++) {
                c = cl[i]
                cond = " -n " sq("__geoembed_command_is " c)
                printf "\n# %s\n", c
                printf "complete -c geoembed%s -F\n", cond
                for (j = 1; j <= n[c]; j++) {
                    split(r[c, j], f, "\t")
                    if (f[6] == "") continue
                    names = flagof(f[2])
                    other = ""
                    for (a = 1; a <= n[c]; a++) {
                        split(r[c, a], g, "\t")
                        if (g[6] != "" || g[7] != f[2]) continue
                        if (g[8] == f[8] && g[5] == f[5]) names = names flagof(g[2])
                        else other = other sprintf("complete -c geoembed%s%s%s -d %s\n", cond, flagof(g[2]), valueof(g[8], g[5]), sq(f[6]))
                    }
                    printf "complete -c geoembed%s%s%s -d %s\n", cond, names, valueof(f[8], f[5]), sq(f[6])
                    printf "%s", other
                }
            }
        }
    ' "$tmp/resolved"
}

# ---------------------------------------------------------------------------
# Build everything under $tmp/out, then compare or install.

out=$tmp/out
mkdir -p "$out/man" "$out/completions"
status=0

gen_options '*' >"$tmp/frag-options"
gen_commands >"$tmp/frag-commands"
gen_seealso >"$tmp/frag-see-also"
[ -f man/geoembed.1 ] || die "man/geoembed.1: missing (the overview page is written by hand)"
splice man/geoembed.1 options "$tmp/frag-options" >"$tmp/p1" &&
    splice "$tmp/p1" commands "$tmp/frag-commands" >"$tmp/p2" &&
    splice "$tmp/p2" see-also "$tmp/frag-see-also" >"$out/man/geoembed.1" ||
    die "man/geoembed.1: cannot regenerate"

for c in $commands; do
    page=man/geoembed-$c.1
    src=$page
    if [ ! -f "$page" ]; then
        if [ $check = 1 ]; then
            echo "$prog: $page: missing (the command $c has no man page; run make docs)" >&2
            status=1
            continue
        fi
        gen_skeleton "$c" >"$tmp/skeleton-$c"
        src=$tmp/skeleton-$c
        echo "$prog: $page: new skeleton page; describe the command by hand" >&2
    fi
    gen_options "$c" >"$tmp/frag-$c"
    splice "$src" options "$tmp/frag-$c" >"$out/$page" || die "$page: cannot regenerate"
done

for page in man/geoembed-*.1; do
    [ -f "$page" ] || continue
    c=${page#man/geoembed-}
    c=${c%.1}
    case " $commands " in
    *" $c "*) ;;
    *)
        echo "$prog: $page: geoembed has no command '$c'" >&2
        status=1
        ;;
    esac
done

gen_bash >"$out/completions/geoembed.bash"
gen_zsh >"$out/completions/_geoembed"
gen_fish >"$out/completions/geoembed.fish"

changed=0
for f in $(cd "$out" && find . -type f | sed 's|^\./||' | sort); do
    if [ -f "$f" ] && cmp -s "$out/$f" "$f"; then
        continue
    fi
    changed=$((changed + 1))
    if [ $check = 1 ]; then
        echo "$prog: $f: out of date (run make docs)" >&2
        if [ -f "$f" ]; then diff -u "$f" "$out/$f" | sed -n '1,40p' >&2 || :; fi
        status=1
    else
        mkdir -p "$(dirname "$f")"
        cp "$out/$f" "$f.tmp.$$" && mv "$f.tmp.$$" "$f"
        echo "$prog: wrote $f"
    fi
done
if [ $check = 0 ] && [ $changed = 0 ]; then
    echo "$prog: everything is up to date"
fi
exit $status
