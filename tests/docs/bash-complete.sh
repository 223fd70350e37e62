#!/bin/bash
# bash-complete.sh COMPFILE LINE... — load bash-completion and COMPFILE, then
# for each LINE (the command line up to the cursor) set COMP_WORDS, COMP_CWORD,
# COMP_LINE and COMP_POINT the way readline does (words split at blanks, "="
# a word of its own, a trailing blank starting an empty word), call the
# function registered for geoembed and print
#   ### LINE
#   reply (one COMPREPLY entry per line)
# Run it in the directory whose files should be completed.
set -u
if [[ -r /usr/share/bash-completion/bash_completion ]]; then
    # shellcheck disable=SC1091
    source /usr/share/bash-completion/bash_completion
else
    echo "bash-complete: bash-completion is not installed" >&2
    exit 1
fi
# shellcheck disable=SC1090
source "$1" || exit 1
shift
spec=$(complete -p geoembed 2>/dev/null) || {
    echo "bash-complete: nothing registered for geoembed" >&2
    exit 1
}
func=$(sed -n 's/.*-F \([^ ]*\) .*/\1/p' <<<"$spec")
[[ -n $func ]] || {
    echo "bash-complete: geoembed is not completed by a function: $spec" >&2
    exit 1
}

for line in "$@"; do
    words=()
    w=
    for ((i = 0; i < ${#line}; i++)); do
        c=${line:i:1}
        case $c in
        ' ')
            [[ -n $w ]] && words+=("$w")
            w=
            ;;
        '=')
            [[ -n $w ]] && words+=("$w")
            words+=("=")
            w=
            ;;
        *) w+=$c ;;
        esac
    done
    if [[ $line == *' ' ]]; then
        words+=("")
    elif [[ -n $w ]]; then
        words+=("$w")
    fi
    COMP_WORDS=("${words[@]}")
    COMP_CWORD=$((${#words[@]} - 1))
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMP_TYPE=9
    COMP_KEY=9
    COMPREPLY=()
    "$func" geoembed "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    echo "### $line"
    ((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}"
done
exit 0
