// SPDX-License-Identifier: GPL-2.0
/*
 * m2mkx: the server (B) and proxy (P_i) data paths of the m2mkx key
 * establishment protocol, in the kernel. Documentation/protocol.rst
 * describes the protocol, include/uapi/linux/m2mkx.h the netlink family
 * that configures it; the protocol itself is the shared core in core/,
 * compiled in unchanged.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include "crypto.h"
#include "debugfs.h"
#include "instance.h"
#include "netlink.h"

struct workqueue_struct *m2mkx_wq;

static int __init m2mkx_init(void)
{
	int ret;

	ret = m2mkx_crypto_init();
	if (ret)
		return ret;
	/*
	 * Unbound: a SIGNED_SHARE costs an RSA verification and hundreds of
	 * hashes, better spread than pinned to the CPU the packet came in on.
	 */
	m2mkx_wq = alloc_workqueue("m2mkx", WQ_UNBOUND | WQ_FREEZABLE, 0);
	if (!m2mkx_wq) {
		ret = -ENOMEM;
		goto err_crypto;
	}
	ret = m2mkx_instance_register();
	if (ret)
		goto err_wq;
	/* Last: commands may arrive as soon as the family exists. */
	ret = m2mkx_genl_init();
	if (ret)
		goto err_instance;
	m2mkx_debugfs_init();
	return 0;

err_instance:
	m2mkx_instance_unregister();
err_wq:
	destroy_workqueue(m2mkx_wq);
err_crypto:
	m2mkx_crypto_exit();
	return ret;
}

static void __exit m2mkx_exit(void)
{
	m2mkx_debugfs_exit();
	/* No command runs once the family is gone; then every namespace. */
	m2mkx_genl_exit();
	m2mkx_instance_unregister();
	destroy_workqueue(m2mkx_wq);
	m2mkx_crypto_exit();
}

module_init(m2mkx_init);
module_exit(m2mkx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("m2mkx collaborative key establishment: server and proxy");
MODULE_ALIAS_GENL_FAMILY(M2MKX_GENL_NAME);
