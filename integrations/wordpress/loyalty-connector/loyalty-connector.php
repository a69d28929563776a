<?php
/**
 * Plugin Name:          Loyalty Connector
 * Description:          Shows WooCommerce customers their points, tier, rewards and referral link from your self-hosted loyalty service, in My Account and at checkout.
 * Version:              0.1.0
 * Requires at least:    6.1
 * Requires PHP:         8.1
 * Author:               Loyalty
 * License:              GPL-2.0-or-later
 * License URI:          https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:          loyalty-connector
 * Domain Path:          /languages
 * WC requires at least: 7.0
 * WC tested up to:      8.5
 *
 * @package Loyalty_Connector
 */

defined( 'ABSPATH' ) || exit;

define( 'LOYALTY_CONNECTOR_VERSION', '0.1.0' );
define( 'LOYALTY_CONNECTOR_FILE', __FILE__ );
define( 'LOYALTY_CONNECTOR_DIR', __DIR__ );

require_once __DIR__ . '/includes/class-loyalty-connector-settings.php';
require_once __DIR__ . '/includes/class-loyalty-connector-signer.php';
require_once __DIR__ . '/includes/class-loyalty-connector-answer.php';
require_once __DIR__ . '/includes/class-loyalty-connector-service-client.php';
require_once __DIR__ . '/includes/class-loyalty-connector-template.php';
require_once __DIR__ . '/includes/class-loyalty-connector-settings-page.php';
require_once __DIR__ . '/includes/class-loyalty-connector-account-tab.php';
require_once __DIR__ . '/includes/class-loyalty-connector-redeem-action.php';
require_once __DIR__ . '/includes/class-loyalty-connector-cart-line.php';
require_once __DIR__ . '/includes/class-loyalty-connector-plugin.php';

Loyalty_Connector_Plugin::boot();
register_activation_hook( __FILE__, array( 'Loyalty_Connector_Plugin', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'Loyalty_Connector_Plugin', 'deactivate' ) );
