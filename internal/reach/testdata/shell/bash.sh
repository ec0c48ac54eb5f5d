#!/bin/bash
declare -a arr=(one two)
export PATH=/opt/bash/bin:$PATH
function main {
	local out
	out=$(tar --version)
	[[ -n $out ]] && echo "${arr[@]}" "$out"
	coproc wc -l
	time gzip -h
	mapfile -t lines < <(sed -n p /etc/hosts)
}
main "$@"
