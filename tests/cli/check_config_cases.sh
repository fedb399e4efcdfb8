# check_config_cases.sh: the TABLE of check_config_cli.sh, sourced by it;
# each row is `check NAME ERRORS [REGEX...] -- WRITER [ARG...]`, as that
# script's opening comment explains.
# shellcheck shell=sh

# Not JSON, or not the JSON we want: one error with jansson's location.
check empty-file 1 '^@F@:1:1: error: .\[. or .\{. expected near end of file$' \
	-- w ''
check whitespace-only 1 '^@F@:3:3: error: .\[. or .\{. expected near end of file$' \
	-- w '  \n\t\n   '
check truncated 1 '^@F@:3:24: error: .\}. expected near end of file$' \
	-- w '{\n  "auth": {\n    "totp": {"digits": 6'
check trailing-garbage 1 '^@F@:4:1: error: end of file expected near .\{.$' \
	-- w '{\n  @P@\n}\n{}\n'
check byte-order-mark 1 '^@F@:1:1: error: .* expected near .\\xef\\xbb\\xbf.$' \
	-- w '\357\273\277{\n  @P@\n}\n'
check nul-byte 1 '^@F@:2:35: error: control character 0x0 near ."a.$' \
	-- w '{\n  "auth": {"prompts": {"ticket": "a\000b"}},\n  @P@\n}\n'
check nul-escape 1 '^@F@:2:43: error: \\x5cu0000 is not allowed without JSON_ALLOW_NUL' \
	-- w '{\n  "auth": {"prompts": {"ticket": "a\\u0000b"}},\n  @P@\n}\n'
check nul-escape-in-key 1 '^@F@:2:12: error: NUL byte in object key not supported' \
	-- w '{\n  "a\\u0000b": 1,\n  @P@\n}\n'
check utf8-byte-ff 1 '^@F@:2:35: error: unable to decode byte 0xff near ."a.$' \
	-- w '{\n  "auth": {"prompts": {"ticket": "a\377b"}},\n  @P@\n}\n'
check utf8-overlong-slash 1 '^@F@:2:35: error: unable to decode byte 0xc0 near ."a.$' \
	-- w '{\n  "auth": {"prompts": {"ticket": "a\300\257b"}},\n  @P@\n}\n'
check utf8-lone-continuation 1 '^@F@:2:35: error: unable to decode byte 0x80 near ."a.$' \
	-- w '{\n  "auth": {"prompts": {"ticket": "a\200b"}},\n  @P@\n}\n'
check raw-escape-byte 1 '^@F@:4:15: error: control character 0x1b near' \
	-- w_key auth.prompts.code '"\033[2J"'
# The column is where jansson gives up, which depends on its depth limit.
check deep-nesting 1 '^@F@:2:[0-9]+: error: maximum parsing depth reached near .\[.$' \
	-- w_deep 5000
check duplicate-key 1 '^@F@:3:9: error: duplicate object key near ."grant".$' \
	-- w '{\n  "grant": {"max_minutes": 60},\n  "grant": {"max_minutes": 90},\n  @P@\n}\n'
check huge-number 1 '^@F@:4:42: error: too big integer near .99999999999999999999.$' \
	-- w_key auth.lockout.lock_seconds 99999999999999999999
check top-level-array 1 '^@F@: error: the top level must be an object \(got array\)$' \
	-- w '[\n  {@P@}\n]\n'
check top-level-string 1 '^@F@:1:6: error: .* expected near ."auth".$' \
	-- w '"auth"\n'

# The whole file refused before it is parsed.
check huge-string 1 '^@F@: error: cannot use this file: is [0-9]+ bytes, more than the limit of 262144 bytes$' \
	-- w_big 10000000
check size-over-limit-by-one 1 '^@F@: error: cannot use this file: is 262145 bytes, more than the limit of 262144 bytes$' \
	-- w_pad 262145
check size-at-limit 0 -- w_pad 262144
check group-writable 1 '^@F@: error: cannot use this file: file is writable by group or others \(mode 0664\)$' \
	-- w_mode 664 '{\n  @P@\n}\n'
check world-writable 1 '^@F@: error: cannot use this file: file is writable by group or others \(mode 0602\)$' \
	-- w_mode 602 '{\n  @P@\n}\n'
check symlink 1 '^@F@: error: cannot use this file: is a symbolic link \(refused: name the file itself\)$' \
	-- w_link '{\n  @P@\n}\n'
check missing-file 1 '^@F@: error: cannot use this file: No such file or directory$' \
	-- w_missing
check directory 1 '^@F@: error: cannot use this file: is not a regular file$' \
	-- w_dir
check device 1 '^@F@: error: cannot use this file: is not a regular file$' \
	-- w_conf /dev/null

# Wrong types.
check string-for-integer 1 '^@F@:4:7: error: auth\.lockout\.max_failures: must be an integer \(got string\)$' \
	-- w_key auth.lockout.max_failures '"5"'
check integer-for-string 1 '^@F@:4:7: error: auth\.prompts\.ticket: must be a string \(got integer\)$' \
	-- w_key auth.prompts.ticket 5
check object-for-array 1 '^@F@:4:7: error: auth\.approval\.approvers: must be an array of strings \(got object\)$' \
	-- w_key auth.approval.approvers '{}'
check string-for-array 1 '^@F@:3:5: error: paths\.auditor_keys: must be an array of strings \(got string\)$' \
	-- w '{\n  "paths": {\n    "auditor_keys": "@S@/ak",\n    "host_key": "@S@/hk"\n  }\n}\n'
check array-for-section 1 '^@F@:2:3: error: auth: must be an object \(got array\)$' \
	-- w_key auth '[]'
check string-for-section 1 '^@F@:2:3: error: grant: must be an object \(got string\)$' \
	-- w_key grant '"60"'
check boolean-for-number 1 '^@F@:4:7: error: auth\.totp\.window: must be an integer \(got boolean\)$' \
	-- w_key auth.totp.window true
check integer-for-boolean 1 '^@F@:4:7: error: auth\.approval\.required: must be true or false \(got integer\)$' \
	-- w_key auth.approval.required 1
check null-for-integer 1 '^@F@:3:5: error: grant\.max_minutes: must be an integer \(got null\)$' \
	-- w_key grant.max_minutes null
check real-for-integer 1 '^@F@:3:5: error: grant\.max_minutes: must be an integer \(got number with a fraction\)$' \
	-- w_key grant.max_minutes 5.5
check exponent-for-integer 1 '^@F@:3:5: error: grant\.max_minutes: must be an integer \(got number with a fraction\)$' \
	-- w_key grant.max_minutes 3e1
check integer-for-word 1 '^@F@:3:5: error: recorder\.input: must be one of redact-when-no-echo, record, redact \(got integer\)$' \
	-- w_key recorder.input 1

# Numbers out of range.
check negative-number 1 '^@F@:4:7: error: auth\.lockout\.lock_seconds: must be between 1 and 604800 \(got -1\)$' \
	-- w_key auth.lockout.lock_seconds -1
check over-int32 1 '^@F@:4:7: error: auth\.lockout\.window_seconds: must be between 1 and 604800 \(got 2147483648\)$' \
	-- w_key auth.lockout.window_seconds 2147483648
check just-over-max 1 '^@F@:4:7: error: auth\.totp\.digits: must be between 6 and 8 \(got 9\)$' \
	-- w_key auth.totp.digits 9
check just-under-min 1 '^@F@:4:7: error: auth\.totp\.digits: must be between 6 and 8 \(got 5\)$' \
	-- w_key auth.totp.digits 5
check segment-bytes-under-min 1 '^@F@:3:5: error: recorder\.segment_bytes: must be between 65536 and 1073741824 \(got 65535\)$' \
	-- w_key recorder.segment_bytes 65535
check auditor-keys-empty 1 '^@F@:4:5: error: paths\.auditor_keys: must have 1 to 16 entries \(got 0\)$' \
	-- w '{\n  "paths": {\n    "host_key": "@S@/hk",\n    "auditor_keys": []\n  }\n}\n'

# Unknown keys.
check unknown-top-level-key 1 '^@F@:2:3: error: bogus: unknown key$' \
	-- w_key bogus 1
check unknown-nested-key 1 '^@F@:4:7: error: auth\.lockout\.bogus: unknown key$' \
	-- w_key auth.lockout.bogus 1
check unknown-key-in-paths 1 '^@F@:3:5: error: paths\.bogus: unknown key$' \
	-- w_key paths.bogus '"/x"'
check escape-in-key 1 '^@F@:2:3: error: \\x1b\[2Jred: unknown key$' \
	-- w '{\n  "\\u001b[2Jred": 1,\n  @P@\n}\n'
check escaped-key-names 1 '^@F@:4:7: error: auth\.lockout\.bogus: unknown key$' \
	-- w '{\n  "au\\u0074h": {\n    "lo\\u0063kout": {\n      "bogus": 1\n    }\n  },\n  @P@\n}\n'
# A dotted name is not a path into the tree: these are unknown keys
# (otherwise they would also set a key twice without a duplicate error).
check dotted-key-name 1 '^@F@:2:3: error: auth\.lockout\.max_failures: unknown key$' \
	-- w '{\n  "auth.lockout.max_failures": 3,\n  @P@\n}\n'
check dotted-section-name 1 '^@F@:3:3: error: auth\.lockout: unknown key$' \
	-- w '{\n  "auth": {"lockout": {"max_failures": 7}},\n  "auth.lockout": {"max_failures": 3},\n  @P@\n}\n'

# Strings that are the wrong shape.
check bad-regex 1 '^@F@:3:5: error: auth\.ticket_pattern: invalid regular expression "\(INC-\[0-9\]\+": .+$' \
	-- w_key auth.ticket_pattern '"(INC-[0-9]+"'
check bad-password-prompt 1 '^@F@:3:35: error: recorder\.password_prompts\[1\]: invalid regular expression "\(PIN": .+$' \
	-- w_key recorder.password_prompts '["ok: $", "(PIN"]'
check relative-path 1 '^@F@:3:5: error: paths\.audit_log: must be an absolute path \(got "var/log"\)$' \
	-- w_key paths.audit_log '"var/log"'
check dotdot-path 1 '^@F@:3:5: error: paths\.state_dir: must not contain \. or \.\. components \(got "/var/lib/\.\./\.\./etc"\)$' \
	-- w_key paths.state_dir '"/var/lib/../../etc"'
check empty-path-component 1 '^@F@:3:5: error: paths\.run_dir: must not contain empty components or end in / \(got "/run//breakglass"\)$' \
	-- w_key paths.run_dir '"/run//breakglass"'
check control-in-prompt 1 '^@F@:4:7: error: auth\.prompts\.ticket: must not contain control characters \(got "\\x1b\[2J"\)$' \
	-- w_key auth.prompts.ticket '"\\u001b[2J"'
check osc-in-prompt 1 '^@F@:4:7: error: auth\.prompts\.approver: must not contain control characters \(got "\\x1b\]0;owned\\x07"\)$' \
	-- w_key auth.prompts.approver '"\\u001b]0;owned\\u0007"'
check newline-in-bucket 1 '^@F@:3:5: error: storage\.bucket: must not contain control characters \(got "a\\x0ab"\)$' \
	-- w_key storage.bucket '"a\\nb"'
check long-prompt 1 '^@F@:4:7: error: auth\.prompts\.code: must be 1 to 128 characters long \(got 129\)$' \
	-- w_key auth.prompts.code '"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"'
check unknown-storage-type 1 '^@F@:3:5: error: storage\.type: must be one of file, s3, http \(got "ftp"\)$' \
	-- w_key storage.type '"ftp"'
check unknown-fail-policy 1 '^@F@:4:7: error: auth\.ticket_check\.fail_policy: must be one of closed, open \(got "maybe"\)$' \
	-- w_key auth.ticket_check.fail_policy '"maybe"'
check url-wrong-scheme 1 '^@F@:4:7: error: auth\.ticket_check\.url: must be an http:// or https:// URL$' \
	-- w_key auth.ticket_check.url '"ftp://itsm.example/t/{ticket}"'
check url-no-host 1 '^@F@:3:5: error: notify\.webhook_url: must name a host$' \
	-- w_key notify.webhook_url '"https:///hooks"'
check bad-approver-name 1 '^@F@:6:9: error: auth\.approval\.approvers\[1\]: must be a user name or %group \(letters, digits, \. _ -\) \(got "a b"\)$' \
	-- w '{\n  "auth": {\n    "approval": {\n      "approvers": [\n        "alice",\n        "a b"\n      ]\n    }\n  },\n  @P@\n}\n'

# Rules between keys.
check url-without-ticket 1 '^@F@:4:7: error: auth\.ticket_check\.url: must contain \{ticket\}, where the ticket id goes$' \
	-- w_key auth.ticket_check.url '"https://itsm.example/t/"'
check approval-empty-approvers 1 '^@F@:5:7: error: auth\.approval\.approvers: must name at least one approver when auth\.approval\.required is true$' \
	-- w '{\n  "auth": {\n    "approval": {\n      "required": true,\n      "approvers": []\n    }\n  },\n  @P@\n}\n'
check approval-no-approvers-key 1 '^@F@: error: auth\.approval\.approvers: must name at least one approver when auth\.approval\.required is true$' \
	-- w_key auth.approval.required true
check justification-min-over-max 1 '^@F@:3:5: error: auth\.justification_min: must not exceed auth\.justification_max \(100\)$' \
	-- w '{\n  "auth": {\n    "justification_min": 500,\n    "justification_max": 100\n  },\n  @P@\n}\n'
check grant-default-over-max 1 '^@F@:3:5: error: grant\.default_minutes: must not exceed grant\.max_minutes \(30\)$' \
	-- w '{\n  "grant": {\n    "default_minutes": 60,\n    "max_minutes": 30\n  },\n  @P@\n}\n'
check s3-missing-keys 4 \
	'^@F@: error: storage\.endpoint: is required when storage\.type is "s3"$' \
	'^@F@: error: storage\.bucket: is required when storage\.type is "s3"$' \
	'^@F@: error: storage\.region: is required when storage\.type is "s3"$' \
	'^@F@: error: storage\.credentials_file: is required when storage\.type is "s3"$' \
	-- w_key storage.type '"s3"'
check http-missing-endpoint 1 '^@F@: error: storage\.endpoint: is required when storage\.type is "http"$' \
	-- w_key storage.type '"http"'
check three-independent-mistakes 3 \
	'^@F@:4:7: error: auth\.lockout\.max_failures: must be between 1 and 1000 \(got 0\)$' \
	'^@F@:9:5: error: grant\.bogus: unknown key$' \
	'^@F@:12:5: error: paths\.spool_dir: must be an absolute path \(got "spool/breakglass"\)$' \
	-- w '{\n  "auth": {\n    "lockout": {\n      "max_failures": 0\n    }\n  },\n  "grant": {\n    "default_minutes": 30,\n    "bogus": true\n  },\n  "paths": {\n    "spool_dir": "spool/breakglass",\n    @K@\n  }\n}\n'

# Key and credential files named by the configuration.
check host-key-group-writable 1 '^@F@:3:5: error: paths\.host_key: @S@/hk-gw is refused: file is writable by group or others \(mode 0664\)$' \
	-- w '{\n  "paths": {\n    "host_key": "@S@/hk-gw",\n    "auditor_keys": ["@S@/ak"]\n  }\n}\n'
check host-key-missing-warns 0 '^@F@:3:5: warning: paths\.host_key: @S@/no-such\.key does not exist yet: No such file or directory$' \
	-- w '{\n  "paths": {\n    "host_key": "@S@/no-such.key",\n    "auditor_keys": ["@S@/ak"]\n  }\n}\n'
check host-key-in-unsafe-dir 1 '^@F@:3:5: error: paths\.host_key: @S@/gwdir/hk is refused: directory is writable by group or others \(mode 0777\) \(@S@/gwdir\)$' \
	-- w '{\n  "paths": {\n    "host_key": "@S@/gwdir/hk",\n    "auditor_keys": ["@S@/ak"]\n  }\n}\n'
check auditor-key-symlink 1 '^@F@:5:7: error: paths\.auditor_keys\[1\]: @S@/ak-link is refused: is a symbolic link \(refused: name the file itself\)$' \
	-- w '{\n  "paths": {\n    "auditor_keys": [\n      "@S@/ak",\n      "@S@/ak-link"\n    ],\n    "host_key": "@S@/hk"\n  }\n}\n'
check credentials-file-group-writable 1 '^@F@:3:5: error: storage\.credentials_file: @S@/hk-gw is refused: file is writable by group or others \(mode 0664\)$' \
	-- w_key storage.credentials_file '"@S@/hk-gw"'
