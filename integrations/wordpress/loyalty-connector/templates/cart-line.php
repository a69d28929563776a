<?php
/**
 * A row in the cart / checkout totals table.
 *
 * @package Loyalty_Connector
 * @var array $view points: what the service says this order earns.
 */

defined( 'ABSPATH' ) || exit;
?>
<tr class="loyalty-connector-earn">
	<th><?php esc_html_e( 'Points you will earn', 'loyalty-connector' ); ?></th>
	<td data-title="<?php esc_attr_e( 'Points you will earn', 'loyalty-connector' ); ?>">
		<?php
		/* translators: %s: number of points */
		echo esc_html( sprintf( _n( '%s point', '%s points', $view['points'], 'loyalty-connector' ), number_format_i18n( $view['points'] ) ) );
		?>
	</td>
</tr>
