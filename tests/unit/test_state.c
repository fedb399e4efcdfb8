/* Tests for per-account lockout and replay state (lib/state.c): fresh and
 * private state, lockout scenarios, concurrent logins; hostile files,
 * names and directories are in test_state_files.c. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/config/conf.h"
#include "breakglass/login/state.h"
#include "helpers.h"
#include "test_state.h"

#define NPROC 50

/* A config whose state_dir is f->state_dir (not yet created). */
struct bg_config *load_cfg(struct fixture *f, long max, long window,
			   long lock)
{
	struct bg_config *cfg;
	char text[8192], *key = th_config_key(f->dir);

	assert_true(snprintf(text, sizeof(text),
		"{\"paths\": {\"state_dir\": \"%s\", \"host_key\": \"%s\",\n"
		" \"auditor_keys\": [\"%s\"]},\n"
		" \"auth\": {\"lockout\": {\"max_failures\": %ld,"
		" \"window_seconds\": %ld, \"lock_seconds\": %ld}}}\n",
		f->state_dir, key, key, max, window, lock) < (int)sizeof(text));
	cfg = th_config_json(f->dir, text);
	free(key);
	return cfg;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = th_mkdtemp();
	assert_true(snprintf(f->state_dir, sizeof(f->state_dir), "%s/state",
			     f->dir) < (int)sizeof(f->state_dir));
	f->cfg = load_cfg(f, 3, 300, 120);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bg_config_free(f->cfg);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static mode_t mode_of(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path));
	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode;
}

static struct bg_state *open_ok(const struct bg_config *cfg, const char *user)
{
	struct bg_state *st = NULL;

	assert_int_equal(bg_state_open(cfg, user, &st), BG_OK);
	return st;
}

/* Save, release and read back, as the next login would. */
static struct bg_state *reopen(struct bg_state *st, const struct bg_config *cfg)
{
	assert_int_equal(bg_state_save(st), BG_OK);
	bg_state_close(st);
	return open_ok(cfg, "alice");
}

static void test_state_fresh_state_is_empty(void **state)
{
	struct fixture *f = *state;
	struct bg_state *st = open_ok(f->cfg, "alice");

	assert_int_equal(st->last_step, -1);
	assert_int_equal(st->n_failures, 0);
	assert_int_equal(st->locked_until, 0);
	assert_false(bg_state_locked(st, 1000));
	/* Opening alone writes nothing but the lock. */
	assert_int_equal(access(st->path, F_OK), -1);
	bg_state_close(st);
}

static void test_state_files_are_private(void **state)
{
	struct fixture *f = *state;
	mode_t old = umask(0277);       /* it must not narrow the modes */
	struct bg_state *st = open_ok(f->cfg, "alice");

	assert_int_equal(bg_state_save(st), BG_OK);
	bg_state_close(st);
	umask(old);
	assert_int_equal(mode_of(f->dir, "state"), S_IFDIR | 0700);
	assert_int_equal(mode_of(f->state_dir, "alice.lock"), S_IFREG | 0600);
	assert_int_equal(mode_of(f->state_dir, "alice.state"), S_IFREG | 0600);
}

/* One step of a scenario on alice's state:
 * F fail at t (want: locked by it), L locked at t (want), S succeed with
 * step t, U unlock, R save, close and open again, and checks of
 * N n_failures, A failures[t], P last_step, W locked_until (want). */
struct op {
	char op;
	long long t, want;
};

static void run(void **state, const struct op *ops)
{
	struct fixture *f = *state;
	struct bg_state *st = open_ok(f->cfg, "alice");
	long long got;
	size_t i;

	for (i = 0; ops[i].op != '\0'; i++) {
		got = ops[i].want;
		switch (ops[i].op) {
		case 'F': got = bg_state_fail(st, f->cfg, ops[i].t); break;
		case 'L': got = bg_state_locked(st, ops[i].t); break;
		case 'S': bg_state_succeed(st, ops[i].t); break;
		case 'U': bg_state_unlock(st); break;
		case 'R': st = reopen(st, f->cfg); break;
		case 'N': got = (long long)st->n_failures; break;
		case 'A': got = st->failures[ops[i].t]; break;
		case 'P': got = st->last_step; break;
		case 'W': got = st->locked_until; break;
		default: fail_msg("unknown op %c", ops[i].op);
		}
		if (got != ops[i].want)
			fail_msg("op %zu (%c %lld): got %lld, want %lld", i,
				 ops[i].op, ops[i].t, got, ops[i].want);
	}
	bg_state_close(st);
}

/* The fixture's lockout: max_failures 3, window 300 s, lock 120 s (a
 * window longer than the lock, as when failures outlive it). */
static const struct op round_trip[] = {
	{'S', 123456, 0}, {'F', 5000, 0}, {'F', 5010, 0}, {'R', 0, 0},
	{'P', 0, 123456}, {'N', 0, 2}, {'A', 0, 5000}, {'A', 1, 5010},
	{'F', 5020, 1}, {'R', 0, 0}, {'W', 0, 5140}, {'N', 0, 0},
	{'P', 0, 123456}, {0, 0, 0},
}, lock_in_window[] = {
	/* A failure exactly window_seconds old still counts. */
	{'F', 1000, 0}, {'F', 1150, 0}, {'L', 1300, 0}, {'F', 1300, 1},
	{'L', 1300, 1}, {'W', 0, 1420}, {'N', 0, 0},
	{'R', 0, 0}, {'L', 1419, 1}, {0, 0, 0},   /* it survives a restart */
}, spread_wider_than_window[] = {
	{'F', 1000, 0}, {'F', 1151, 0}, {'F', 1302, 0}, {'F', 1453, 0},
	{'F', 1604, 0}, {'F', 1755, 0}, {'L', 1755, 0}, {'N', 0, 2}, {0, 0, 0},
}, lock_expires[] = {
	{'F', 1000, 0}, {'F', 1001, 0}, {'F', 1002, 1}, {'L', 1121, 1},
	{'L', 1122, 0},
	/* The failures that caused the lock do not re-lock at once. */
	{'F', 1122, 0}, {'L', 1122, 0}, {'F', 1123, 0}, {'F', 1124, 1},
	{'W', 0, 1244}, {0, 0, 0},
}, unlock_keeps_step[] = {
	{'S', 900, 0}, {'F', 1000, 0}, {'F', 1001, 0}, {'F', 1002, 1},
	{'F', 1003, 0}, {'U', 0, 0}, {'R', 0, 0}, {'L', 1004, 0},
	{'W', 0, 0}, {'N', 0, 0}, {'P', 0, 900}, {0, 0, 0},
}, succeed_raises_step[] = {
	{'F', 1000, 0}, {'S', 50, 0}, {'N', 0, 0}, {'P', 0, 50},
	{'S', 40, 0}, {'P', 0, 50},
	{'S', -1, 0}, {'P', 0, 50}, {0, 0, 0},  /* -1: a recovery code */
}, clock_stepped_back[] = {
	/* Still in order, or the next open would refuse the file. */
	{'F', 1000, 0}, {'F', 990, 0}, {'R', 0, 0}, {'N', 0, 2},
	{'A', 0, 990}, {'A', 1, 1000}, {0, 0, 0},
};

static void test_state_save_and_open_round_trip(void **s) { run(s, round_trip); }
static void test_state_locks_after_max_failures_in_window(void **s) { run(s, lock_in_window); }
static void test_state_no_lock_when_failures_spread_beyond_window(void **s) { run(s, spread_wider_than_window); }
static void test_state_lock_expires_after_lock_seconds(void **s) { run(s, lock_expires); }
static void test_state_unlock_keeps_last_step(void **s) { run(s, unlock_keeps_step); }
static void test_state_succeed_clears_failures_and_only_raises_step(void **s) { run(s, succeed_raises_step); }
static void test_state_clock_stepped_back_stays_readable(void **s) { run(s, clock_stepped_back); }

/* Fork NPROC children that wait on one pipe, then run child(i) at once;
 * returns how many exited with each status 0..2 in counts. */
static void race(int (*child)(const struct bg_config *, int),
		 const struct bg_config *cfg, int counts[3])
{
	pid_t pids[NPROC];
	int gate[2], i, status;
	char c;

	counts[0] = counts[1] = counts[2] = 0;
	assert_int_equal(pipe(gate), 0);
	for (i = 0; i < NPROC; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(gate[1]);
			/* EOF when the parent closes its end: everyone starts. */
			_exit(read(gate[0], &c, 1) == 0 ? child(cfg, i) : 2);
		}
	}
	close(gate[0]);
	close(gate[1]);
	for (i = 0; i < NPROC; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_in_range(WEXITSTATUS(status), 0, 2);
		counts[WEXITSTATUS(status)]++;
	}
}

static int fail_once(const struct bg_config *cfg, int i)
{
	struct bg_state *st;
	int r;

	if (bg_state_open(cfg, "alice", &st) != BG_OK)
		return 2;
	bg_state_fail(st, cfg, 1000000 + i);
	r = bg_state_save(st);
	bg_state_close(st);
	return r == BG_OK ? 0 : 2;
}

static void test_state_concurrent_failures_all_counted(void **state)
{
	struct fixture *f = *state;
	struct bg_config *cfg = load_cfg(f, 1000, 604800, 60);
	struct bg_state *st;
	int counts[3], i;

	race(fail_once, cfg, counts);
	assert_int_equal(counts[0], NPROC);
	assert_int_equal(bg_state_open(cfg, "alice", &st), BG_OK);
	assert_int_equal(st->n_failures, NPROC);
	/* Each child's failure is there once, in order. */
	for (i = 0; i < NPROC; i++)
		assert_int_equal(st->failures[i], 1000000 + i);
	assert_false(bg_state_locked(st, 1000000 + NPROC));
	bg_state_close(st);
	bg_config_free(cfg);
}

/* 0: this child used step S; 1: refused as a replay; 2: error. */
static int use_step(const struct bg_config *cfg, int i)
{
	const int64_t step = 55555555;
	struct bg_state *st;
	int r = 1;

	(void)i;
	if (bg_state_open(cfg, "alice", &st) != BG_OK)
		return 2;
	if (st->last_step < step) {
		bg_state_succeed(st, step);
		r = bg_state_save(st) == BG_OK ? 0 : 2;
	}
	bg_state_close(st);
	return r;
}

static void test_state_concurrent_step_used_once(void **state)
{
	struct fixture *f = *state;
	struct bg_state *st;
	int counts[3];

	race(use_step, f->cfg, counts);
	assert_int_equal(counts[0], 1);
	assert_int_equal(counts[1], NPROC - 1);
	assert_int_equal(counts[2], 0);
	assert_int_equal(bg_state_open(f->cfg, "alice", &st), BG_OK);
	assert_int_equal(st->last_step, 55555555);
	bg_state_close(st);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_state_fresh_state_is_empty),
		T(test_state_files_are_private),
		T(test_state_save_and_open_round_trip),
		T(test_state_locks_after_max_failures_in_window),
		T(test_state_no_lock_when_failures_spread_beyond_window),
		T(test_state_lock_expires_after_lock_seconds),
		T(test_state_unlock_keeps_last_step),
		T(test_state_succeed_clears_failures_and_only_raises_step),
		T(test_state_clock_stepped_back_stays_readable),
		T(test_state_hostile_files_refused),
		T(test_state_invalid_user_names_refused),
		T(test_state_unsafe_state_dir_refused),
		T(test_state_missing_parent_is_enoent),
		T(test_state_concurrent_failures_all_counted),
		T(test_state_concurrent_step_used_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
