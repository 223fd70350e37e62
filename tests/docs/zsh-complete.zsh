#!/usr/bin/env zsh
# zsh-complete.zsh COMPDIR LINE... — run zsh's completion system for real in a
# pseudo-terminal (zsh/zpty) with COMPDIR first in $fpath, type each LINE
# followed by TAB, and print what the completion functions offered:
#   ### LINE
#   match (one per line, in the order offered; prefixes already filtered)
# Matches are captured by wrapping compadd, the builtin that every completion
# function ends in, so this tests the completion function itself and not the
# terminal rendering of the list.
emulate -L zsh
setopt extendedglob
zmodload zsh/zpty || { print -u2 "zsh-complete: no zsh/zpty module"; exit 1 }

compdir=${1:A}
shift
tmp=$(mktemp -d) || exit 1
out=$tmp/out
trap 'zpty -d z 2>/dev/null; rm -rf $tmp' EXIT

zpty z zsh -f -i || exit 1
zpty -w z "PS1='%% '; PS2=''; RPS1=''; unsetopt zle_bracketed_paste 2>/dev/null"
zpty -w z "fpath=(${(q)compdir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' list-prompt ''; zstyle ':completion:*' menu no; LISTMAX=100000"
zpty -w z "__out=${(q)out}"
# Record what would be added; internal calls (-O, -A, -D: arrays) pass through.
zpty -w z 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hits; builtin compadd -A __hits "$@"
  (( $#__hits )) && print -rl -- "${__hits[@]}" >> $__out
  builtin compadd "$@"
}'
zpty -w z '_zc_widget() { _main_complete; print -r -- __ZC_END__ >> $__out }'
zpty -w z 'zle -C _zc complete-word _zc_widget; bindkey "^I" _zc'

drain() { local junk; while zpty -r -t z junk 2>/dev/null; do :; done }

for line in "$@"; do
  : >| $out
  drain
  zpty -w -n z "$line"$'\t'
  integer i=0
  while ! grep -q '^__ZC_END__$' $out 2>/dev/null; do
    (( ++i > 500 )) && { print -u2 "zsh-complete: no answer for '$line'"; exit 1 }
    drain
    sleep 0.02
  done
  print -r -- "### $line"
  grep -v '^__ZC_END__$' $out
  zpty -w -n z $'\C-u'
done
exit 0
