/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-properties.h: the change bits of the properties the engine does not track. */
#pragma once

#include "steward-engine.h"

/* Bits for the "changed" masks the manager hands its listeners, next to the
 * engine's StewardProperty bits (which stay below 1 << 16). */
enum {
        /* A child's Unit: the live incarnation's scope, which the backend knows. */
        STEWARD_PROPERTY_EXTRA_UNIT = 1u << 16,
        /* A child's Role, which only a reload changes. */
        STEWARD_PROPERTY_EXTRA_ROLE = 1u << 17,
        /* The manager's ConfigFiles, after a reload. */
        STEWARD_PROPERTY_EXTRA_CONFIG_FILES = 1u << 18,
};
