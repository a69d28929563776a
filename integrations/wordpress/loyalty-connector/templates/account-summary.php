<?php
/**
 * Balance, pending points, tier and progress to the next tier, as the service answered them.
 *
 * @package Loyalty_Connector
 * @var array $view The service's balance answer.
 */

defined( 'ABSPATH' ) || exit;

$loyalty_next = is_array( $view['next_tier'] ?? null ) ? $view['next_tier'] : null;
?>
<?php if ( empty( $view['member'] ) ) : ?>
	<p class="loyalty-connector-not-member"><?php esc_html_e( 'You are not a member of our rewards program yet: your next order or sign-up starts it.', 'loyalty-connector' ); ?></p>
<?php endif; ?>
<p class="loyalty-connector-balance">
	<?php
	/* translators: %s: number of points */
	printf( esc_html__( 'Your balance: %s points', 'loyalty-connector' ), '<strong>' . esc_html( (string) ( $view['balance'] ?? 0 ) ) . '</strong>' );
	?>
</p>
<?php if ( ! empty( $view['pending'] ) ) : ?>
	<p class="loyalty-connector-pending">
		<?php
		/* translators: %s: number of points */
		echo esc_html( sprintf( __( '%s points pending: they become available once your recent orders are past the return period.', 'loyalty-connector' ), (string) $view['pending'] ) );
		?>
	</p>
<?php endif; ?>
<p class="loyalty-connector-tier">
	<?php
	if ( ! empty( $view['tier'] ) ) {
		/* translators: %s: tier name */
		echo esc_html( sprintf( __( 'Your tier: %s', 'loyalty-connector' ), (string) $view['tier'] ) );
	} else {
		esc_html_e( 'You have not reached a tier yet.', 'loyalty-connector' );
	}
	?>
</p>
<?php if ( null !== $loyalty_next ) : ?>
	<p class="loyalty-connector-progress">
		<?php
		$loyalty_remaining = (string) ( $loyalty_next['remaining'] ?? '' );
		$loyalty_name      = (string) ( $loyalty_next['name'] ?? '' );
		if ( 'points' === ( $loyalty_next['basis'] ?? '' ) ) {
			/* translators: 1: points still needed, 2: tier name */
			echo esc_html( sprintf( __( 'Earn %1$s more points to reach %2$s.', 'loyalty-connector' ), $loyalty_remaining, $loyalty_name ) );
		} else {
			/* translators: 1: amount still to spend, 2: tier name */
			echo esc_html( sprintf( __( 'Spend %1$s more to reach %2$s.', 'loyalty-connector' ), $loyalty_remaining, $loyalty_name ) );
		}
		?>
		<progress max="100" value="<?php echo esc_attr( (string) min( 100, max( 0, (int) ( $loyalty_next['percent'] ?? 0 ) ) ) ); ?>"></progress>
	</p>
<?php endif; ?>
