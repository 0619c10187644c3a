# Sourced by ./nnvm4j and ./run-tests: selects a JDK >= 25 for the java launcher (the Maven build
# selects its own through maven-toolchains-plugin, see TOOLCHAIN.md) and checks the tools exist.
java_feature() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p'; }
if [ -z "${JAVA_HOME:-}" ] || [ "$(java_feature "$JAVA_HOME" 2>/dev/null || echo 0)" -lt 25 ]; then
  for j in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    if [ -x "$j/bin/java" ] && [ "$(java_feature "$j" 2>/dev/null || echo 0)" -ge 25 ]; then JAVA_HOME="$j"; break; fi
  done
fi
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ] || [ "$(java_feature "$JAVA_HOME")" -lt 25 ]; then
  echo "nnvm4j needs a JDK 25 or newer (e.g. Temurin 25 in /usr/lib/jvm); none found" >&2
  exit 1
fi
export JAVA_HOME
command -v mvn >/dev/null || { echo "nnvm4j needs Apache Maven 3.8+ on the PATH (apt-get install maven)" >&2; exit 1; }
# Maven 3.8 runs on this JDK 25 too: let its Guava use sun.misc.Unsafe without the 4-line warning
# (TOOLCHAIN.md section 1; the option exists since JDK 23, and env.sh has checked for 25).
export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow ${MAVEN_OPTS:-}"
