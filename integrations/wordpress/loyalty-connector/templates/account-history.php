<?php
/**
 * The customer's latest points entries, newest first.
 *
 * @package Loyalty_Connector
 * @var array $view history: the service's entries (kind, points, created_at, reason).
 */

defined( 'ABSPATH' ) || exit;
?>
<h3><?php esc_html_e( 'History', 'loyalty-connector' ); ?></h3>
<?php if ( empty( $view['history'] ) ) : ?>
	<p><?php esc_html_e( 'No points yet.', 'loyalty-connector' ); ?></p>
<?php else : ?>
	<table class="woocommerce-table shop_table loyalty-connector-history">
		<thead><tr>
			<th><?php esc_html_e( 'Date', 'loyalty-connector' ); ?></th>
			<th><?php esc_html_e( 'What', 'loyalty-connector' ); ?></th>
			<th><?php esc_html_e( 'Points', 'loyalty-connector' ); ?></th>
		</tr></thead>
		<tbody>
			<?php foreach ( array_reverse( $view['history'] ) as $loyalty_entry ) : ?>
				<?php
				if ( ! is_array( $loyalty_entry ) ) {
					continue;
				}
				$loyalty_points = (int) ( $loyalty_entry['points'] ?? 0 );
				$loyalty_when   = strtotime( (string) ( $loyalty_entry['created_at'] ?? '' ) );
				?>
				<tr>
					<td><?php echo esc_html( false === $loyalty_when ? '' : wp_date( get_option( 'date_format' ), $loyalty_when ) ); ?></td>
					<td><?php echo esc_html( (string) ( $loyalty_entry['reason'] ?? $loyalty_entry['kind'] ?? '' ) ); ?></td>
					<td><?php echo esc_html( ( $loyalty_points > 0 ? '+' : '' ) . $loyalty_points ); ?></td>
				</tr>
			<?php endforeach; ?>
		</tbody>
	</table>
<?php endif; ?>
