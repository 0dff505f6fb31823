# bash completion for dredge                                -*- shell-script -*-
#
# Commands come from `dredge help`, each command's options from its
# --help, and the formats from `dredge types`, so the completion follows
# the binary it completes.  The values scan's fixed-choice options take
# are listed here.  Anything else completes files and folders (folders
# only after -o/--output).  Needs nothing from bash-completion itself.

_dredge_words()  # _dredge_words DREDGE ARGS...: option names in ARGS's help
{
	"$@" 2>/dev/null | grep -oE -- '(^|[ ,|[])--?[a-zA-Z][a-zA-Z0-9-]*' |
		sed 's/^[ ,|[]*//' | sort -u
}

_dredge()
{
	local cur prev dredge cmd sub i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	dredge=${COMP_WORDS[0]}

	# The command: the first word after "dredge" that is not an option.
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$("$dredge" help 2>/dev/null |
			awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }
			     on && /^$/ { on = 0 }') help" -- "$cur"))
		return
	fi

	case $prev in
	--io)
		COMPREPLY=($(compgen -W "auto uring pread mmap" -- "$cur")); return ;;
	--direct)
		COMPREPLY=($(compgen -W "auto on off" -- "$cur")); return ;;
	--simd)
		COMPREPLY=($(compgen -W "auto scalar sse2 avx2 avx512" -- "$cur"))
		return ;;
	-t|--types|--type)
		# A comma-separated list: complete its last item.
		local done_items=${cur%"${cur##*,}"} last=${cur##*,} t
		local types
		types=$("$dredge" types 2>/dev/null | awk 'NR > 1 { print $1 }')
		COMPREPLY=()
		for t in $(compgen -W "$types" -- "$last"); do
			COMPREPLY+=("$done_items$t")
		done
		compopt -o nospace 2>/dev/null
		return ;;
	--tz)
		COMPREPLY=($(compgen -W "UTC +01:00 -05:00" -- "$cur")); return ;;
	-o|--output)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur")); return ;;
	-j|--threads|--block-size|--chunk-size|--queue-depth|--offset|\
	-p|--partition|--clusters|--stop-at|--retries|--seconds|--bytes|\
	--sizes|--depths|--id|--min-size|-m|--mount)
		return ;;
	esac

	if [[ $cmd == fs ]]; then
		sub=
		for ((i = i + 1; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			-*) ;;
			*) sub=${COMP_WORDS[i]}; break ;;
			esac
		done
		if [[ -z $sub && $cur != -* ]]; then
			COMPREPLY=($(compgen -W "info ls cat export" -- "$cur"))
			return
		fi
	fi

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_dredge_words "$dredge" "$cmd" --help)" \
			-- "$cur"))
		return
	fi
	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _dredge dredge
