<?php
/**
 * My Account → Points & rewards.
 *
 * @package Loyalty_Connector
 * @var array $view balance (Loyalty_Connector_Answer), referral (URL or ''), notice (array|null), show_detail (bool).
 */

defined( 'ABSPATH' ) || exit;

$loyalty_answer = $view['balance'];
$loyalty_data   = $loyalty_answer->data;
$loyalty_notice = $view['notice'];
?>
<div class="loyalty-connector-account">
	<?php if ( is_array( $loyalty_notice ) ) : ?>
		<div class="<?php echo esc_attr( 'success' === $loyalty_notice['kind'] ? 'woocommerce-message' : 'woocommerce-error' ); ?>" role="alert">
			<?php echo esc_html( $loyalty_notice['message'] ); ?>
		</div>
	<?php endif; ?>

	<?php if ( ! $loyalty_answer->ok() ) : ?>
		<div class="woocommerce-info loyalty-connector-unavailable"><?php echo esc_html( $loyalty_answer->customer_message() ); ?></div>
		<?php if ( $view['show_detail'] ) : ?>
			<p class="loyalty-connector-detail"><small>
				<?php
				/* translators: %s: what the service or the connection said */
				echo esc_html( sprintf( __( 'For the store owner: %s', 'loyalty-connector' ), $loyalty_answer->owner_detail() ) );
				?>
			</small></p>
		<?php endif; ?>
	<?php else : ?>
		<?php Loyalty_Connector_Template::render( 'account-summary', $loyalty_data ); ?>
		<?php Loyalty_Connector_Template::render( 'account-rewards', array( 'rewards' => (array) ( $loyalty_data['rewards'] ?? array() ) ) ); ?>
		<?php if ( '' !== $view['referral'] ) : ?>
			<h3><?php esc_html_e( 'Refer a friend', 'loyalty-connector' ); ?></h3>
			<p><?php esc_html_e( 'Share your link: when a friend places their first order, you both get a reward.', 'loyalty-connector' ); ?></p>
			<p><input type="text" readonly class="input-text loyalty-connector-referral" value="<?php echo esc_attr( $view['referral'] ); ?>" onfocus="this.select()" /></p>
		<?php endif; ?>
		<?php Loyalty_Connector_Template::render( 'account-history', array( 'history' => (array) ( $loyalty_data['history'] ?? array() ) ) ); ?>
	<?php endif; ?>
</div>
