/* SPDX-License-Identifier: Apache-2.0 */
/* Argument and value helpers. A bad argument throws a TypeError naming it; no coercion. */
#include <stdio.h>
#include <string.h>

#include "weft_native.h"

static bool type_error(napi_env env, const char *what, const char *expected)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s must be %s", what, expected);
	napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
	return false;
}

static bool is_type(napi_env env, napi_value v, napi_valuetype want)
{
	napi_valuetype t;

	return napi_typeof(env, v, &t) == napi_ok && t == want;
}

bool is_nullish(napi_env env, napi_value v)
{
	napi_valuetype t;

	return v == NULL || napi_typeof(env, v, &t) != napi_ok || t == napi_undefined || t == napi_null;
}

bool arg_i32(napi_env env, napi_value v, const char *what, int32_t *out)
{
	double d;

	if (!is_type(env, v, napi_number) || napi_get_value_double(env, v, &d) != napi_ok ||
	    d != (double)(int32_t)d)
		return type_error(env, what, "an int32");
	*out = (int32_t)d;
	return true;
}

bool arg_u32(napi_env env, napi_value v, const char *what, uint32_t *out)
{
	double d;

	if (!is_type(env, v, napi_number) || napi_get_value_double(env, v, &d) != napi_ok || d < 0 ||
	    d > 4294967295.0 || d != (double)(uint32_t)d)
		return type_error(env, what, "a uint32");
	*out = (uint32_t)d;
	return true;
}

bool arg_string(napi_env env, napi_value v, const char *what, char *buf, size_t size)
{
	size_t len;

	if (!is_type(env, v, napi_string) || napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok)
		return type_error(env, what, "a string");
	if (len >= size)
		return type_error(env, what, "shorter");
	if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok)
		return type_error(env, what, "a string");
	if (strlen(buf) != len)
		return type_error(env, what, "a string without NUL characters");
	return true;
}

bool arg_buffer(napi_env env, napi_value v, const char *what, void **data, size_t *len)
{
	bool ok = false;

	if (v == NULL || napi_is_buffer(env, v, &ok) != napi_ok || !ok ||
	    napi_get_buffer_info(env, v, data, len) != napi_ok)
		return type_error(env, what, "a Buffer");
	return true;
}

bool arg_function(napi_env env, napi_value v, const char *what)
{
	if (!is_type(env, v, napi_function))
		return type_error(env, what, "a function");
	return true;
}

bool opt_prop(napi_env env, napi_value obj, const char *key, napi_value *out, bool *present)
{
	*present = false;
	if (is_nullish(env, obj))
		return true;
	if (!is_type(env, obj, napi_object))
		return type_error(env, "options", "an object");
	if (napi_get_named_property(env, obj, key, out) != napi_ok)
		return false;
	*present = !is_nullish(env, *out);
	return true;
}

bool opt_u32(napi_env env, napi_value obj, const char *key, uint32_t def, uint32_t min, uint32_t max,
	     uint32_t *out)
{
	napi_value v;
	bool present;
	char what[96];

	if (!opt_prop(env, obj, key, &v, &present))
		return false;
	if (!present) {
		*out = def;
		return true;
	}
	snprintf(what, sizeof(what), "options.%s", key);
	if (!arg_u32(env, v, what, out))
		return false;
	if (*out < min || *out > max) {
		char expected[64];

		snprintf(expected, sizeof(expected), "between %u and %u", min, max);
		return type_error(env, what, expected);
	}
	return true;
}

bool opt_bool(napi_env env, napi_value obj, const char *key, bool def, bool *out)
{
	napi_value v;
	bool present;
	char what[96];

	if (!opt_prop(env, obj, key, &v, &present))
		return false;
	*out = def;
	if (!present)
		return true;
	snprintf(what, sizeof(what), "options.%s", key);
	if (!is_type(env, v, napi_boolean) || napi_get_value_bool(env, v, out) != napi_ok)
		return type_error(env, what, "a boolean");
	return true;
}

bool opt_string(napi_env env, napi_value obj, const char *key, char *buf, size_t size, bool *present)
{
	napi_value v;
	char what[96];

	buf[0] = '\0';
	if (!opt_prop(env, obj, key, &v, present))
		return false;
	if (!*present)
		return true;
	snprintf(what, sizeof(what), "options.%s", key);
	return arg_string(env, v, what, buf, size);
}

napi_value make_u32(napi_env env, uint32_t v)
{
	napi_value r = NULL;

	napi_create_uint32(env, v, &r);
	return r;
}

napi_value make_f64(napi_env env, double v)
{
	napi_value r = NULL;

	napi_create_double(env, v, &r);
	return r;
}

napi_value make_bool(napi_env env, bool v)
{
	napi_value r = NULL;

	napi_get_boolean(env, v, &r);
	return r;
}

napi_value make_string(napi_env env, const char *s)
{
	napi_value r = NULL;

	napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
	return r;
}

napi_value undefined(napi_env env)
{
	napi_value r = NULL;

	napi_get_undefined(env, &r);
	return r;
}

bool set_prop(napi_env env, napi_value obj, const char *key, napi_value v)
{
	return v != NULL && napi_set_named_property(env, obj, key, v) == napi_ok;
}
