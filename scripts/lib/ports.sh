# Free TCP ports on loopback, for brokers and servers that must not collide with another run.
# Sourced by scripts/with-kafka.sh and tests/fixtures/kafka.sh.

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# Two distinct free TCP ports on 127.0.0.1 (the kernel picks them; checked again with ss).
free_ports() {
  local out
  if out="$(python3 - 2>/dev/null <<'EOF'
import socket
socks = []
for _ in range(2):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)" && [[ -n "$out" ]]; then echo "$out"; return; fi
  local a b
  while :; do
    a=$((20000 + RANDOM % 30000)); b=$((a + 1))
    port_free "$a" && port_free "$b" && { echo "$a $b"; return; }
  done
}
