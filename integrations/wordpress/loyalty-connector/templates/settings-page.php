<?php
/**
 * Settings → Loyalty connector.
 *
 * @package Loyalty_Connector
 * @var array $view connect_url, service_url, store_url, complete.
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="wrap loyalty-connector-settings">
	<h1><?php esc_html_e( 'Loyalty connector', 'loyalty-connector' ); ?></h1>
	<?php settings_errors( Loyalty_Connector_Settings::OPTION ); ?>
	<form method="post" action="<?php echo esc_url( admin_url( 'options.php' ) ); ?>">
		<?php
		settings_fields( Loyalty_Connector_Settings_Page::GROUP );
		do_settings_sections( Loyalty_Connector_Settings_Page::SLUG );
		submit_button();
		?>
	</form>

	<h2><?php esc_html_e( 'Connect this store', 'loyalty-connector' ); ?></h2>
	<?php if ( '' === $view['connect_url'] ) : ?>
		<p><?php esc_html_e( 'Save the service URL first; the button to connect this store appears here.', 'loyalty-connector' ); ?></p>
	<?php else : ?>
		<p>
			<?php
			printf(
				/* translators: %s: this store's address */
				esc_html__( 'The service asks WooCommerce for API keys for %s and registers its webhooks. Approve the request on the WooCommerce page it opens.', 'loyalty-connector' ),
				'<code>' . esc_html( $view['store_url'] ) . '</code>'
			);
			?>
		</p>
		<p>
			<?php
			printf(
				/* translators: %s: the service's admin address */
				esc_html__( 'Only the service\'s operator may start this: your browser will ask for the operator password (LOYALTY_ADMIN_PASSWORD on the service), unless you are signed in as an operator at %s. This plugin never sees that password.', 'loyalty-connector' ),
				'<code>' . esc_html( $view['service_url'] . '/admin' ) . '</code>'
			);
			?>
		</p>
		<p><a class="button button-primary" href="<?php echo esc_url( $view['connect_url'] ); ?>" target="_blank" rel="noopener"><?php esc_html_e( 'Connect to loyalty service', 'loyalty-connector' ); ?></a></p>
		<p class="description"><?php esc_html_e( 'When it says the store is connected, enter the shop id it shows above, and the storefront secret printed by `loyalty shop storefront-secret ID` on the service.', 'loyalty-connector' ); ?></p>
	<?php endif; ?>
	<?php if ( ! $view['complete'] ) : ?>
		<p class="notice notice-warning inline"><?php esc_html_e( 'Until the service URL, shop id and storefront secret are saved, customers see no points.', 'loyalty-connector' ); ?></p>
	<?php endif; ?>
</div>
