# Sourced by ./mvnw, ./barge and .ci/run: Barge compiles for Java 21, and many machines still
# default to an older java. Keeps JAVA_HOME when it is a JDK 21+; otherwise exports the newest
# JDK 21+ found in the usual install locations or on PATH; otherwise says what it found and
# exits 1. Plain POSIX sh, because mvnw runs it under dash with `set -euf` (no globbing).

# Prints the major Java version of the JDK at $1; prints nothing if $1 is not a JDK.
_barge_jdk_major() {
  if [ ! -x "$1/bin/java" ] || [ ! -x "$1/bin/javac" ]; then return 0; fi
  _bj_v=
  if [ -f "$1/release" ]; then
    _bj_v=$(sed -n 's/^JAVA_VERSION="*\([^"]*\)"*$/\1/p' "$1/release") || _bj_v=
  fi
  if [ -z "$_bj_v" ]; then
    _bj_v=$("$1/bin/java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1) || _bj_v=
  fi
  _bj_v=${_bj_v#1.}       # Java 8 and older call themselves 1.8
  printf '%s\n' "${_bj_v%%[!0-9]*}"
}

# Records the JDK at $1 (once per real path) and keeps it if it is the newest 21+ so far.
_barge_consider_jdk() {
  _bj_home=$(cd -P -- "$1" 2>/dev/null && pwd -P) || return 0
  case "$_bj_seen" in *"
$_bj_home
"*) return 0 ;; esac
  _bj_seen="$_bj_seen$_bj_home
"
  _bj_major=$(_barge_jdk_major "$_bj_home")
  if [ -z "$_bj_major" ]; then return 0; fi
  _bj_found="${_bj_found:+$_bj_found, }$_bj_home (Java $_bj_major)"
  if [ "$_bj_major" -ge 21 ] && [ "$_bj_major" -gt "$_bj_best_major" ]; then
    _bj_best=$_bj_home
    _bj_best_major=$_bj_major
  fi
}

_barge_find_jdk() {
  _bj_major=
  if [ -n "${JAVA_HOME-}" ]; then _bj_major=$(_barge_jdk_major "$JAVA_HOME"); fi
  if [ "${_bj_major:-0}" -ge 21 ]; then
    export JAVA_HOME
    return 0
  fi

  _bj_seen='
'
  _bj_found=''
  _bj_best=''
  _bj_best_major=0
  if [ -n "${JAVA_HOME-}" ]; then _barge_consider_jdk "$JAVA_HOME"; fi
  case $- in *f*) _bj_noglob=1 ;; *) _bj_noglob= ;; esac
  set +f
  for _bj_dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
      "${HOME-}"/.sdkman/candidates/java/* "${HOME-}"/.jdks/* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    if [ -d "$_bj_dir" ]; then _barge_consider_jdk "$_bj_dir"; fi
  done
  if [ -n "$_bj_noglob" ]; then set -f; fi

  if _bj_java=$(command -v java 2>/dev/null); then
    # /usr/bin/java is usually a chain of symlinks into a JDK; where it is not (macOS stubs,
    # wrapper scripts), ask the JVM itself where it lives.
    _bj_dir=$(readlink -f "$_bj_java" 2>/dev/null) || _bj_dir=
    _bj_dir=${_bj_dir%/bin/java}
    if [ -z "$_bj_dir" ] || [ ! -x "$_bj_dir/bin/javac" ]; then
      _bj_dir=$("$_bj_java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.home = //p') || _bj_dir=
    fi
    if [ -n "$_bj_dir" ]; then _barge_consider_jdk "$_bj_dir"; fi
  fi

  if [ -z "$_bj_best" ]; then
    echo "Barge needs a JDK 21 or newer; found: ${_bj_found:-no JDK at all}. Install one (e.g. apt-get install openjdk-21-jdk / Temurin) or set JAVA_HOME." >&2
    exit 1
  fi
  if [ -n "${JAVA_HOME-}" ]; then
    echo "JAVA_HOME ($JAVA_HOME) is not a JDK 21 or newer; using $_bj_best (Java $_bj_best_major)." >&2
  fi
  JAVA_HOME=$_bj_best
  export JAVA_HOME
}

_barge_find_jdk
unset -f _barge_jdk_major _barge_consider_jdk _barge_find_jdk
unset _bj_v _bj_home _bj_seen _bj_major _bj_found _bj_best _bj_best_major _bj_noglob _bj_dir _bj_java
