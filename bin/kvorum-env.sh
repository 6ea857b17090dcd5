# Shared by the bin/ scripts: where the jar is, and building it when it is missing.
# Sourced, not run.

KVORUM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KVORUM_JAR="$KVORUM_ROOT/node/target/kvorum.jar"

kvorum_ensure_jar() {
  if [[ ! -f "$KVORUM_JAR" ]]; then
    echo "kvorum: building $KVORUM_JAR (first run; takes a minute)" >&2
    (cd "$KVORUM_ROOT" && ./mvnw -B -q -pl node -am package -DskipTests) >&2
  fi
  if ! command -v java > /dev/null; then
    echo "kvorum: java not found; install a JDK 17 or newer" >&2
    exit 1
  fi
}
