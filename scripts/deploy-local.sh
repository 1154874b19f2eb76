#!/usr/bin/env bash
# A local deployment on 127.0.0.1, the layout of deploy/README.md on one machine:
#   PostgreSQL (Debian package)       127.0.0.1:$PG_PORT        conversation log, API conversations, rate limits, staff
#   chroma run (the chromadb package) 127.0.0.1:$CHROMA_PORT    vectors
#   policy-assistant serve --workers N 127.0.0.1:$APP_PORT…+N-1  app processes (one supervisor)
#   nginx (Debian package)            127.0.0.1:$PROXY_PORT     load balancer in front (and +1: the first
#                                                               app process alone, for `make load DEPLOY=…`)
# Usage: scripts/deploy-local.sh start|stop|status   (make deploy-local / make deploy-local-stop)
# Settings (environment): DEPLOY_DIR (.deploy), WORKERS (2), APP_PORT (7900), PROXY_PORT (8088),
# PG_PORT (55432), CHROMA_PORT (8010). Everything it starts is recorded in $DEPLOY_DIR/*.pid and
# stopped by `stop`; the data (database, vectors, index) stays in $DEPLOY_DIR for the next start.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEPLOY_DIR="${DEPLOY_DIR:-$ROOT/.deploy}"
WORKERS="${WORKERS:-2}"
APP_PORT="${APP_PORT:-7900}"
PROXY_PORT="${PROXY_PORT:-8088}"
PG_PORT="${PG_PORT:-55432}"
CHROMA_PORT="${CHROMA_PORT:-8010}"
BIN="$ROOT/.venv/bin"
PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/policy"

say() { printf '%s\n' "$*"; }
die() { printf '错误：%s\n' "$*" >&2; exit 1; }

as_postgres() {  # initdb and pg_ctl refuse to run as root
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

need_packages() {
  local need=()
  [ -n "$(pg_bin)" ] || need+=(postgresql)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" = "0" ] || die "缺少 Debian 软件包：${need[*]}（请以 root 运行，或先 apt-get install ${need[*]}）"
  say "安装 Debian 软件包：${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_http() {  # url seconds what
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || die "$3 在 $2 秒内没有就绪（$1）；日志在 $DEPLOY_DIR/logs/"
    sleep 0.5
  done
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_postgres() {
  local bin; bin="$(pg_bin)"
  mkdir -p "$DEPLOY_DIR/pg"
  [ "$(id -u)" = "0" ] && chown postgres:postgres "$DEPLOY_DIR/pg"
  if [ ! -f "$DEPLOY_DIR/pg/data/PG_VERSION" ]; then
    as_postgres "$bin/initdb" -D "$DEPLOY_DIR/pg/data" -A trust -U postgres >/dev/null
  fi
  if as_postgres "$bin/pg_ctl" -D "$DEPLOY_DIR/pg/data" status >/dev/null 2>&1; then
    say "PostgreSQL 已在运行（127.0.0.1:$PG_PORT）"
  else
    port_free "$PG_PORT" || die "端口 $PG_PORT 已被占用：请换一个 PG_PORT"
    # max_connections: each app process holds a few pooled connections per engine
    as_postgres "$bin/pg_ctl" -D "$DEPLOY_DIR/pg/data" -l "$DEPLOY_DIR/pg/server.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $PG_PORT -k $DEPLOY_DIR/pg -c max_connections=200" start >/dev/null
    say "PostgreSQL：127.0.0.1:$PG_PORT"
  fi
  as_postgres "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='policy'" | grep -q 1 ||
    as_postgres "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres policy
}

start_chroma() {
  if alive "$DEPLOY_DIR/chroma.pid"; then say "Chroma 服务器已在运行（127.0.0.1:$CHROMA_PORT）"; return; fi
  port_free "$CHROMA_PORT" || die "端口 $CHROMA_PORT 已被占用：请换一个 CHROMA_PORT"
  nohup "$BIN/chroma" run --path "$DEPLOY_DIR/chroma" --host 127.0.0.1 --port "$CHROMA_PORT" \
    >"$DEPLOY_DIR/logs/chroma.log" 2>&1 &
  echo $! >"$DEPLOY_DIR/chroma.pid"
  wait_http "http://127.0.0.1:$CHROMA_PORT/api/v2/heartbeat" 90 "Chroma 服务器"
  say "Chroma 服务器：127.0.0.1:$CHROMA_PORT"
}

app_env() {
  cat <<EOF
POLICY_DATA_DIR=$DEPLOY_DIR/data
POLICY_LOG_URL=$PG_URL
POLICY_CHROMA_HOST=127.0.0.1
POLICY_CHROMA_PORT=$CHROMA_PORT
POLICY_TRUSTED_PROXIES=127.0.0.1
POLICY_WORKERS=$WORKERS
EOF
}

start_app() {
  if alive "$DEPLOY_DIR/app.pid"; then say "应用进程已在运行"; return; fi
  app_env >"$DEPLOY_DIR/app.env"
  local i
  for ((i = 0; i < WORKERS; i++)); do
    port_free $((APP_PORT + i)) || die "端口 $((APP_PORT + i)) 已被占用：请换一个 APP_PORT"
  done
  # the deployment's own settings, whatever the shell has (POLICY_ADMIN_TOKEN etc. pass through)
  # PYTHONPATH: the code of this checkout, whichever checkout the virtualenv was installed from
  (set -a; . "$DEPLOY_DIR/app.env"; set +a
   export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
   nohup "$BIN/python" -c "from ui.cli import app; app()" serve --host 127.0.0.1 --port "$APP_PORT" \
     >"$DEPLOY_DIR/logs/app.out" 2>"$DEPLOY_DIR/logs/app.err" &
   echo $! >"$DEPLOY_DIR/app.pid")
  for ((i = 0; i < WORKERS; i++)); do
    wait_http "http://127.0.0.1:$((APP_PORT + i))/readyz" 900 "应用进程（端口 $((APP_PORT + i))）"
  done
  say "应用进程 $WORKERS 个：127.0.0.1:$APP_PORT…$((APP_PORT + WORKERS - 1))"
}

write_nginx_conf() {
  local conf="$DEPLOY_DIR/nginx/nginx.conf" servers="" i
  for ((i = 0; i < WORKERS; i++)); do
    servers+="        server 127.0.0.1:$((APP_PORT + i)) max_fails=1 fail_timeout=5s;"$'\n'
  done
  mkdir -p "$DEPLOY_DIR/nginx/tmp"
  chmod 1777 "$DEPLOY_DIR/nginx/tmp"
  sed -e "s|@PREFIX@|$DEPLOY_DIR/nginx|g" -e "s|@PROXY_PORT@|$PROXY_PORT|g" -e "s|@ONE_PORT@|$((PROXY_PORT + 1))|g" \
    -e "s|@FIRST_SERVER@|        server 127.0.0.1:$APP_PORT;|g" \
    "$ROOT/deploy/nginx.conf.template" | awk -v servers="$servers" '{ if ($0 ~ /@SERVERS@/) printf "%s", servers; else print }' >"$conf"
}

start_nginx() {
  if alive "$DEPLOY_DIR/nginx/nginx.pid"; then say "nginx 已在运行（127.0.0.1:$PROXY_PORT）"; return; fi
  port_free "$PROXY_PORT" && port_free $((PROXY_PORT + 1)) ||
    die "端口 $PROXY_PORT 或 $((PROXY_PORT + 1)) 已被占用：请换一个 PROXY_PORT"
  write_nginx_conf
  nginx -t -q -p "$DEPLOY_DIR/nginx" -c "$DEPLOY_DIR/nginx/nginx.conf" 2>"$DEPLOY_DIR/logs/nginx-check.log" ||
    die "nginx 配置无效：见 $DEPLOY_DIR/logs/nginx-check.log"
  nginx -p "$DEPLOY_DIR/nginx" -c "$DEPLOY_DIR/nginx/nginx.conf"
  wait_http "http://127.0.0.1:$PROXY_PORT/healthz" 30 "nginx"
  say "nginx 负载均衡：http://127.0.0.1:$PROXY_PORT/"
}

write_state() {
  cat >"$DEPLOY_DIR/deploy.env" <<EOF
PROXY_URL=http://127.0.0.1:$PROXY_PORT
ONE_URL=http://127.0.0.1:$((PROXY_PORT + 1))
APP_PID=$(cat "$DEPLOY_DIR/app.pid")
APP_PORT=$APP_PORT
WORKERS=$WORKERS
PG_URL=$PG_URL
CHROMA_PORT=$CHROMA_PORT
DEPLOY_DIR=$DEPLOY_DIR
EOF
}

stop_pid() {  # pidfile name seconds
  local file="$1"
  if alive "$file"; then
    local pid; pid="$(cat "$file")"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + $3))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    say "已停止 $2"
  fi
  rm -f "$file"
}

stop_all() {
  if alive "$DEPLOY_DIR/nginx/nginx.pid"; then
    nginx -p "$DEPLOY_DIR/nginx" -c "$DEPLOY_DIR/nginx/nginx.conf" -s quit 2>/dev/null || true
    local deadline=$((SECONDS + 15))
    while alive "$DEPLOY_DIR/nginx/nginx.pid" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    say "已停止 nginx"
  fi
  stop_pid "$DEPLOY_DIR/app.pid" "应用进程" 60
  stop_pid "$DEPLOY_DIR/chroma.pid" "Chroma 服务器" 20
  local bin; bin="$(pg_bin)"
  if [ -n "$bin" ] && [ -f "$DEPLOY_DIR/pg/data/PG_VERSION" ] &&
    as_postgres "$bin/pg_ctl" -D "$DEPLOY_DIR/pg/data" status >/dev/null 2>&1; then
    as_postgres "$bin/pg_ctl" -D "$DEPLOY_DIR/pg/data" -m fast -w stop >/dev/null
    say "已停止 PostgreSQL"
  fi
  rm -f "$DEPLOY_DIR/deploy.env"
}

status() {
  local what
  for what in "nginx/nginx.pid:nginx" "app.pid:应用进程" "chroma.pid:Chroma 服务器"; do
    if alive "$DEPLOY_DIR/${what%%:*}"; then say "${what#*:}：运行中"; else say "${what#*:}：未运行"; fi
  done
  [ -f "$DEPLOY_DIR/deploy.env" ] && cat "$DEPLOY_DIR/deploy.env"
  return 0
}

case "${1:-start}" in
  start)
    [ -x "$BIN/python" ] || die "没有找到 $BIN/python：请先运行 make run 或 make test 安装"
    [[ "$WORKERS" =~ ^[1-9][0-9]*$ ]] || die "WORKERS 应为正整数；现为 $WORKERS"
    need_packages
    mkdir -p "$DEPLOY_DIR/logs"
    start_postgres
    start_chroma
    start_app
    start_nginx
    write_state
    say "本机部署已启动：http://127.0.0.1:$PROXY_PORT/ （停止：make deploy-local-stop）"
    ;;
  stop) stop_all ;;
  status) status ;;
  *) die "用法：$0 start|stop|status" ;;
esac
