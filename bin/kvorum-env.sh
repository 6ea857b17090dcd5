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

# Prints the path of DIR/cluster.properties, creating it first with a random cluster.secret:
# every node a script starts in DIR reads it, so the nodes of one local cluster know each other
# and a node left running from another cluster (another folder, another secret) cannot join them.
kvorum_cluster_config() {
  local dir="$1" file="$1/cluster.properties"
  mkdir -p "$dir"
  if [[ ! -f "$file" ]]; then
    local secret
    secret="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
    (umask 077 && printf '# Made by bin/kvorum-cluster for the nodes of this folder.\ncluster.secret=%s\n' \
      "$secret" > "$file")
  fi
  echo "$file"
}
