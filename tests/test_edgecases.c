/* SPDX-License-Identifier: MIT */
/*
 * The ONNX import edge cases of the shared edgecases folder, one cmocka test per case, checked
 * by the kind in its meta.json. A `valid` case compiles for `float` and reproduces every
 * output_*.pb. A `must-reject` case fails with a one-line message that names the tensors and
 * nodes its expected_error.txt names, and `aimcc compile` writes no program. A
 * `valid-or-reject` case does either.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "test_pipeline.h"
#include "test_support.h"

#define MAX_CASES 64
#define MAX_TENSORS 16

typedef struct edge_case {
    char name[256];
    char dir[1024];
} edge_case;

static edge_case cases[MAX_CASES];

/* Returns a file's text, NUL-terminated (caller frees), or NULL. */
static char *read_text(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    char *text = NULL;
    long length = -1;
    if (fseek(file, 0, SEEK_END) == 0)
        length = ftell(file);
    if (length >= 0 && fseek(file, 0, SEEK_SET) == 0)
        text = malloc((size_t)length + 1);
    if (text != NULL) {
        const size_t n = fread(text, 1, (size_t)length, file);
        text[n] = '\0';
    }
    fclose(file);
    return text;
}

/* Returns the "kind" of a case's meta.json into kind, or false. */
static bool read_kind(const edge_case *ec, char *kind, size_t size)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/meta.json", ec->dir);
    char *text = read_text(path);
    cJSON *meta = text != NULL ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(meta, "kind");
    const bool ok = cJSON_IsString(item);
    if (ok)
        snprintf(kind, size, "%s", item->valuestring);
    cJSON_Delete(meta);
    return ok;
}

static bool is_identifier(const char *text, size_t length)
{
    if (length == 0)
        return false;
    for (size_t i = 0; i < length; i++)
        if (!isalnum((unsigned char)text[i]) && text[i] != '_')
            return false;
    return true;
}

/* Returns true when word occurs in text with no identifier character on either side. */
static bool contains_word(const char *text, const char *word, size_t length)
{
    for (const char *at = strstr(text, word); at != NULL; at = strstr(at + 1, word)) {
        const bool start = at == text || !(isalnum((unsigned char)at[-1]) || at[-1] == '_');
        const char end = at[length];
        if (start && !(isalnum((unsigned char)end) || end == '_'))
            return true;
    }
    return false;
}

/*
 * Checks that message names every quoted identifier of expected_error.txt (the tensors,
 * nodes and op types it names, in '...' or "..."). Paths and dotted names are left out
 * because tools word them differently. Prints what is missing.
 */
static bool names_expected(const edge_case *ec, const char *message)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/expected_error.txt", ec->dir);
    char *expected = read_text(path);
    if (expected == NULL)
        return true;
    bool ok = true;
    for (char *at = expected; *at != '\0'; at++) {
        if (*at != '\'' && *at != '"')
            continue;
        char *close = strchr(at + 1, *at);
        if (close == NULL)
            break;
        const size_t length = (size_t)(close - at - 1);
        if (is_identifier(at + 1, length)) {
            *close = '\0';
            if (!contains_word(message, at + 1, length)) {
                printf("%s: the message does not name \"%s\": %s\n", ec->name, at + 1, message);
                ok = false;
            }
        }
        at = close;
    }
    free(expected);
    return ok;
}

static int select_data_set(const struct dirent *entry)
{
    return strncmp(entry->d_name, "test_data_set_", 14) == 0;
}

/* Reads prefix_0.pb, prefix_1.pb, ... of a data set folder. */
static int read_tensors(const char *set_dir, const char *prefix, test_tensor *tensors)
{
    int n = 0;
    for (; n < MAX_TENSORS; n++) {
        char path[1200], message[2304];
        snprintf(path, sizeof path, "%s/%s_%d.pb", set_dir, prefix, n);
        if (!test_path_exists(path))
            break;
        if (test_tensor_read_pb(path, &tensors[n], message, sizeof message) != AIMCC_OK) {
            printf("%s\n", message);
            break;
        }
    }
    return n;
}

/* Runs a compiled case on one data set and compares every output; returns true on a match. */
static bool check_data_set(const edge_case *ec, const test_program *program, const char *set)
{
    char set_dir[1200], label[512], message[2304];
    snprintf(set_dir, sizeof set_dir, "%s/%s", ec->dir, set);
    test_tensor inputs[MAX_TENSORS], expected[MAX_TENSORS], actual[MAX_TENSORS];
    const int n_inputs = read_tensors(set_dir, "input", inputs);
    const int n_expected = read_tensors(set_dir, "output", expected);
    int n_actual = 0;
    bool ok = n_expected > 0;
    if (!ok)
        printf("%s %s: no output_*.pb\n", ec->name, set);
    if (ok && test_run_program(program, inputs, n_inputs, actual, MAX_TENSORS, &n_actual, message,
                               sizeof message) != AIMRT_OK) {
        printf("%s %s: run failed: %s\n", ec->name, set, message);
        ok = false;
    }
    if (ok && n_actual != n_expected) {
        printf("%s %s: the program has %d outputs, the case expects %d\n", ec->name, set, n_actual,
               n_expected);
        ok = false;
    }
    for (int k = 0; ok && k < n_expected; k++) {
        snprintf(label, sizeof label, "%s %s output_%d", ec->name, set, k);
        ok = test_compare_outputs(&actual[k].tensor, &expected[k].tensor, test_tolerance_default,
                                  label);
    }
    for (int i = 0; i < n_inputs; i++)
        test_tensor_free(&inputs[i]);
    for (int i = 0; i < n_expected; i++)
        test_tensor_free(&expected[i]);
    for (int i = 0; i < n_actual; i++)
        test_tensor_free(&actual[i]);
    return ok;
}

static bool check_all_data_sets(const edge_case *ec, const test_program *program)
{
    struct dirent **sets = NULL;
    const int n_sets = scandir(ec->dir, &sets, select_data_set, alphasort);
    bool ok = n_sets > 0;
    for (int s = 0; s < n_sets; s++) {
        ok = check_data_set(ec, program, sets[s]->d_name) && ok;
        free(sets[s]);
    }
    free(sets);
    return ok;
}

/*
 * Runs `aimcc compile` on a rejected case: it must exit with status 1, print one
 * "aimcc: error:" line on stderr, and leave no program behind.
 */
static bool check_command_rejects(const edge_case *ec)
{
    char dir[] = "/tmp/aimcc-edge-XXXXXX";
    if (mkdtemp(dir) == NULL)
        return false;
    char program[64], errors[64], command[2600];
    snprintf(program, sizeof program, "%s/out.aimc", dir);
    snprintf(errors, sizeof errors, "%s/stderr.txt", dir);
    snprintf(command, sizeof command, "'%s' compile '%s/model.onnx' -t float -o '%s' 2>'%s'",
             AIMCC_COMMAND, ec->dir, program, errors);
    const int status = system(command);
    char *text = read_text(errors);
    bool ok = true;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 1) {
        printf("%s: aimcc compile exited with status %d, expected 1\n", ec->name,
               WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        ok = false;
    }
    if (text == NULL || strncmp(text, "aimcc: error: ", 14) != 0 ||
        strchr(text, '\n') != strrchr(text, '\n')) {
        printf("%s: stderr is not one \"aimcc: error:\" line: %s\n", ec->name,
               text != NULL ? text : "(unreadable)");
        ok = false;
    }
    if (test_path_exists(program)) {
        printf("%s: aimcc compile wrote %s for a rejected model\n", ec->name, program);
        ok = false;
    }
    free(text);
    unlink(program);
    unlink(errors);
    rmdir(dir);
    return ok;
}

/* Checks a rejection: a non-OK, non-internal status, one line that names the expected
 * tensors and nodes, and the same through the command. */
static bool check_rejection(const edge_case *ec, const test_program *program)
{
    bool ok = true;
    if (program->status == AIMCC_ERR_INTERNAL || program->status == AIMCC_ERR_NOMEM) {
        printf("%s: rejected with %s, expected an input error: %s\n", ec->name,
               aimcc_status_name(program->status), program->message);
        ok = false;
    }
    if (strchr(program->message, '\n') != NULL) {
        printf("%s: the message spans several lines: %s\n", ec->name, program->message);
        ok = false;
    }
    ok = names_expected(ec, program->message) && ok;
    return check_command_rejects(ec) && ok;
}

static void test_edge_case(void **state)
{
    const edge_case *ec = *state;
    char kind[64], model_path[1100];
    if (!read_kind(ec, kind, sizeof kind))
        printf("%s: meta.json has no \"kind\"\n", ec->name);
    assert_true(read_kind(ec, kind, sizeof kind));
    snprintf(model_path, sizeof model_path, "%s/model.onnx", ec->dir);

    test_program program;
    const aimcc_status status = test_compile_file(model_path, NULL, &program);
    bool ok;
    if (strcmp(kind, "must-reject") == 0) {
        if (status == AIMCC_OK)
            printf("%s: must be rejected, but it compiled\n", ec->name);
        ok = status != AIMCC_OK && check_rejection(ec, &program);
    } else if (strcmp(kind, "valid") == 0) {
        if (status != AIMCC_OK)
            printf("%s: compile failed: %s\n", ec->name, program.message);
        ok = status == AIMCC_OK && check_all_data_sets(ec, &program);
    } else if (strcmp(kind, "valid-or-reject") == 0) {
        ok = status == AIMCC_OK ? check_all_data_sets(ec, &program) : check_rejection(ec, &program);
        printf("%s: %s\n", ec->name, status == AIMCC_OK ? "accepted" : program.message);
    } else {
        printf("%s: unknown kind \"%s\" in meta.json\n", ec->name, kind);
        ok = false;
    }
    test_program_free(&program);
    assert_true(ok);
}

static int select_case(const struct dirent *entry)
{
    return entry->d_name[0] != '.' && strcmp(entry->d_name, "README.md") != 0;
}

int main(void)
{
    char root[1024];
    test_shared_path(root, sizeof root, "edgecases");
    struct dirent **entries = NULL;
    const int n_entries = scandir(root, &entries, select_case, alphasort);
    if (n_entries <= 0) {
        /* The edge cases live beside the checkout; without them there is nothing to run. */
        printf("%s: no edge cases found, skipping\n", root);
        return test_path_exists(root) ? 1 : 0;
    }
    struct CMUnitTest tests[MAX_CASES];
    int n_cases = 0;
    for (int i = 0; i < n_entries; i++) {
        if (n_cases < MAX_CASES) {
            edge_case *ec = &cases[n_cases];
            snprintf(ec->name, sizeof ec->name, "%s", entries[i]->d_name);
            snprintf(ec->dir, sizeof ec->dir, "%.700s/%s", root, entries[i]->d_name);
            tests[n_cases++] = (struct CMUnitTest){ec->name, test_edge_case, NULL, NULL, ec};
        }
        free(entries[i]);
    }
    free(entries);
    return _cmocka_run_group_tests("edgecases", tests, (size_t)n_cases, NULL, NULL);
}
