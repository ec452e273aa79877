#!/usr/bin/env bash
# Services the test suite talks to for real: PostgreSQL on 127.0.0.1:5432 (trust auth for local
# test connections). Starts the machine's cluster when it is installed but stopped; installs and
# configures one when it is missing and we are root. Never fails the run: tests that need a
# server skip with a clear message when none is reachable.
set -uo pipefail
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if pg_up; then exit 0; fi
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "安装 PostgreSQL / installing PostgreSQL" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 || true
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      [ -f "$hba" ] || continue
      grep -q "cnbudget-tests" "$hba" || sed -i '1i host all all 127.0.0.1/32 trust # cnbudget-tests\nhost all all ::1/128 trust # cnbudget-tests' "$hba"
    done
  fi
fi
for v in $(ls /etc/postgresql 2>/dev/null); do
  pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 || true
done
for _ in 1 2 3 4 5 6 7 8 9 10; do pg_up && exit 0; sleep 1; done
echo "PostgreSQL 未启动，相关测试将跳过 / PostgreSQL not reachable: its tests will skip" >&2
exit 0
