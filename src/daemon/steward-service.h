/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-service.h: stewardd as a Type=notify service of its own manager (sd_notify). */
#pragma once

#include <glib.h>

#include "steward-log.h"
#include "steward-manager.h"

G_BEGIN_DECLS

typedef struct _StewardService StewardService;

/**
 * steward_service_new:
 * @log: whose failed writes STATUS= reports; must outlive the service
 *
 * Listens to @m: READY=1 once the tree is up, STATUS= with the children's
 * states, RELOADING=1 and READY=1 around a reload, STOPPING=1 once the tree
 * stops, and WATCHDOG=1 at half our own WatchdogSec=.
 */
StewardService *steward_service_new(StewardManager *m, StewardLog *log);
void steward_service_free(StewardService *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardService, steward_service_free)

G_END_DECLS
