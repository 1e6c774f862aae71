#!/bin/sh
# As the official image's template step: every *.template below NGINX_ENVSUBST_TEMPLATE_DIR
# (/etc/nginx/templates) becomes the same relative path without the suffix below
# NGINX_ENVSUBST_OUTPUT_DIR (/etc/nginx/conf.d), with envsubst replacing only the variables that
# are set and whose names match the NGINX_ENVSUBST_FILTER regular expression (all when unset);
# every other $name, nginx's own variables included, stays as written.
set -e

template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
filter="${NGINX_ENVSUBST_FILTER:-}"

[ -d "$template_dir" ] || exit 0
if [ ! -w "$output_dir" ]; then
    echo "$0: ERROR: $template_dir exists, but $output_dir is not writable" >&2
    exit 0
fi

# shellcheck disable=SC2016 # the ${NAME} list is for envsubst, not the shell
defined_envs=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" < /dev/null))

find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
    relative_path="${template#"$template_dir/"}"
    output_path="$output_dir/${relative_path%"$suffix"}"
    mkdir -p "$(dirname "$output_path")"
    echo "$0: running envsubst on $template to $output_path"
    envsubst "$defined_envs" < "$template" > "$output_path"
done
