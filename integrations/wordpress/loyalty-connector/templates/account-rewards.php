<?php
/**
 * The rewards the customer can afford now, each with a Redeem button.
 *
 * @package Loyalty_Connector
 * @var array $view rewards: the service's affordable rewards.
 */

defined( 'ABSPATH' ) || exit;
?>
<h3><?php esc_html_e( 'Rewards you can redeem', 'loyalty-connector' ); ?></h3>
<?php if ( empty( $view['rewards'] ) ) : ?>
	<p class="loyalty-connector-no-rewards"><?php esc_html_e( 'No rewards to redeem yet: keep earning points.', 'loyalty-connector' ); ?></p>
<?php else : ?>
	<ul class="loyalty-connector-rewards">
		<?php foreach ( $view['rewards'] as $loyalty_reward ) : ?>
			<?php
			if ( ! is_array( $loyalty_reward ) || ! isset( $loyalty_reward['id'] ) ) {
				continue;
			}
			$loyalty_cost = ! empty( $loyalty_reward['perk'] ) ? __( 'free with your tier', 'loyalty-connector' )
				/* translators: %s: number of points */
				: sprintf( __( '%s points', 'loyalty-connector' ), (string) ( $loyalty_reward['cost'] ?? '' ) );
			?>
			<li>
				<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
					<span class="loyalty-connector-reward-name"><?php echo esc_html( (string) $loyalty_reward['id'] ); ?></span>
					<span class="loyalty-connector-reward-cost"><?php echo esc_html( $loyalty_cost ); ?></span>
					<input type="hidden" name="action" value="<?php echo esc_attr( Loyalty_Connector_Redeem_Action::ACTION ); ?>" />
					<input type="hidden" name="reward" value="<?php echo esc_attr( (string) $loyalty_reward['id'] ); ?>" />
					<input type="hidden" name="request_id" value="<?php echo esc_attr( wp_generate_uuid4() ); ?>" />
					<?php wp_nonce_field( Loyalty_Connector_Redeem_Action::ACTION ); ?>
					<button type="submit" class="button"><?php esc_html_e( 'Redeem', 'loyalty-connector' ); ?></button>
				</form>
			</li>
		<?php endforeach; ?>
	</ul>
<?php endif; ?>
