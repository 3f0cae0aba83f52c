#!/bin/sh
# recorder.sh --- stands in for attrd_updater/crm_attribute in attr_test:
# records its arguments, one line per call, and answers as told.
printf '%s\n' "$*" >>"$RECORD_FILE"
[ -n "${RECORD_STDOUT:-}" ] && printf '%s\n' "$RECORD_STDOUT"
[ -n "${RECORD_STDERR:-}" ] && printf '%s\n' "$RECORD_STDERR" >&2
exit "${RECORD_STATUS:-0}"
