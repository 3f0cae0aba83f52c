#!/bin/sh
# recorder.sh --- stands in for attrd_updater/crm_attribute in attr_test:
# records its arguments, one line per call, and answers as told.
# The node an agent's environment names is recorded too: attrd_updater
# 2.1.5 narrows even -Q -A to it.
printf '%s%s\n' "$*" "${OCF_RESKEY_CRM_meta_on_node:+ [on_node=$OCF_RESKEY_CRM_meta_on_node]}" >>"$RECORD_FILE"
[ -n "${RECORD_STDOUT:-}" ] && printf '%s\n' "$RECORD_STDOUT"
[ -n "${RECORD_STDERR:-}" ] && printf '%s\n' "$RECORD_STDERR" >&2
exit "${RECORD_STATUS:-0}"
